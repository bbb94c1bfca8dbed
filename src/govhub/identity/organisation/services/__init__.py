"""Writes of agencies (import each module by itself)."""
