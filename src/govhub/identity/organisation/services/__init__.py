"""Writes of agencies (conventions.md: import each module)."""
