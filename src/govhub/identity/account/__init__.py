"""The person's own pages: sign-in sessions, apps and consents, security (second factors)."""
