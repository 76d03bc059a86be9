"""Channels in, dialogue, replies out; the composition root (app factory, CLI)."""
