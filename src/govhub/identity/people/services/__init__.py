"""Writes of accounts, role grants and role settings (docs/development.md: import each module)."""
