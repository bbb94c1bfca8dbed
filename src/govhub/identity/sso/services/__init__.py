"""Writes of clients, consents, signing keys and sign-in sessions (conventions.md: import each
module)."""
