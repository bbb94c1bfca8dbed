"""Signing in: the password page, the second step, and how every sign-in method completes."""
