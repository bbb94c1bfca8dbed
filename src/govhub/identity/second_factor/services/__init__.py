"""Writes of second factors (import each module by itself)."""
