"""Versioned schema migrations: NNN_name.sql files applied in order, each in one transaction."""
