"""Writes of accounts found or created by a VNeID sign-in (conventions.md: import each module)."""
