"""Writes of accounts, role grants and role settings (import each module by itself)."""
