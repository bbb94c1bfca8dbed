"""Writes of clients, consents, signing keys and sign-in sessions (each
module imported by itself)."""
