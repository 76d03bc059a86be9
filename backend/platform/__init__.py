"""Database, settings, clock, errors, leader lock, migrations: what the rest stands on."""
