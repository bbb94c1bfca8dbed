"""Writes of accounts found or created by a VNeID sign-in (import each module by itself)."""
