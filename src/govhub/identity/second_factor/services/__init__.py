"""Writes of second factors (conventions.md: import each module)."""
