"""Writes of citizens registered by phone (docs/development.md: import each module)."""
