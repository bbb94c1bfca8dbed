"""Second factors of a sign-in: authenticator apps (TOTP), backup codes, passkeys."""
