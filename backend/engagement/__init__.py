"""Reaching consumers first: alerts, broadcasts and outage notices, app adoption."""
