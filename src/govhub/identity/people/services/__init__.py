"""Writes of accounts, role grants and role settings (conventions.md: import each module)."""
