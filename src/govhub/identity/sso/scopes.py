"""The scopes govhub's OpenID Connect provider knows, and the claims each one releases."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SCOPES = {
    "openid": _("Sign you in with your govhub account"),
    "profile": _("Your full name, username and identity assurance level"),
    "email": _("Your e-mail address"),
    "phone": _("Your phone number"),
    "commune": _("The commune or ward where you live"),
    "agency": _("Your agency, position and roles (officials)"),
    # Not a claim scope: lets the app call govhub's API as you (govhub.identity.api_auth).
    "api": _("Use govhub on your behalf, with your roles"),
}

# OIDC Core §5.4: each claim is released only with its scope. Only the claims govhub
# actually releases are listed, so discovery advertises no more than that.
CLAIM_SCOPES = {
    "sub": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "updated_at": "profile",
    "assurance_level": "profile",
    "email": "email",
    "email_verified": "email",
    "phone_number": "phone",
    "phone_number_verified": "phone",
    "commune": "commune",
    "agency": "agency",
    "position": "agency",
    "roles": "agency",
}
