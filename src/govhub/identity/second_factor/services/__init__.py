"""Writes of second factors (docs/development.md: import each module)."""
