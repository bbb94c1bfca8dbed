"""Single sign-on: govhub's OpenID Connect provider (endpoints, clients, signing keys, tokens,
sign-in sessions, back-channel logout)."""
