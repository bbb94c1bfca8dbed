"""Writes of accounts found or created by a VNeID sign-in (docs/development.md: import each module)."""
