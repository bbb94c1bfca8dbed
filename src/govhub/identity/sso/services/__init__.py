"""Writes of clients, consents, signing keys and sign-in sessions (docs/development.md: import each
module)."""
