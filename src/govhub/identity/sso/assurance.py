"""The words single sign-on shares with every sign-in method: the assurance levels a sign-in
reaches (the ID token's ``acr``) and the keys a browser session keeps them under. Vocabulary
only, so the sign-in methods, the OpenID Connect endpoints and the sign-in services can all
use it without depending on each other."""

from __future__ import annotations

# Assurance of a sign-in (the ID token's `acr`). Level 1: one factor (password, or a
# one-time code to a phone); level 2: two factors, or VNeID at its level 2 — the same
# ladder as Decree 69/2024/NĐ-CP's levels for e-identification accounts.
ACR_LEVEL_1 = "urn:govhub:loa:1"
ACR_LEVEL_2 = "urn:govhub:loa:2"
ACR_VALUES = (ACR_LEVEL_1, ACR_LEVEL_2)
# Where a browser session keeps its sign-in session id.
SESSION_SID_KEY = "govhub_sid"
# An app asked for a level-2 sign-in (acr_values; sso.views.AuthorizeView sets it, and
# sign_in.flow.complete_sign_in asks for the second factor until it is reached).
REQUIRED_ACR_SESSION_KEY = "govhub_required_acr"
