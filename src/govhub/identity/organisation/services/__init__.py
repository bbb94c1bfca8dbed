"""Writes of agencies (docs/development.md: import each module)."""
