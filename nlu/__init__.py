"""Text -> intent, entities and language. Standalone: imports nothing from bot or backend."""
