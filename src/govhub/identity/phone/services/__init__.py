"""Writes of citizens registered by phone (conventions.md: import each module)."""
