"""Writes of citizens registered by phone (import each module by itself)."""
