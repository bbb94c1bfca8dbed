"""govhub's OpenID Connect provider rules, plugged into django-oauth-toolkit (DOT):
which scopes exist and which claims each releases (:mod:`govhub.identity.sso.scopes`), what an
ID token says about the sign-in (``sid``, ``acr``, ``amr``, ``auth_time``), and which key
signs it (:mod:`govhub.identity.sso.signing_keys`)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from govhub.identity.models import Account, Client, ClientSession, SignInSession
from govhub.identity.people.access import access_for
from govhub.identity.sso import signing_keys
from govhub.identity.sso.scopes import CLAIM_SCOPES, SCOPES
from govhub.identity.sso.services import sign_in

# Set by views.AuthorizeView when a recorded consent covers a prompt=none request.
SILENT_CONSENT_META_KEY = "GOVHUB_SILENT_CONSENT"
# Set by views.AuthorizeView when the browser's sign-in may answer without a page: someone is
# signed in, within max_age, at the level acr_values asks for.
SILENT_LOGIN_META_KEY = "GOVHUB_SILENT_LOGIN"


class GovhubScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, Any]:
        return dict(SCOPES)

    def get_available_scopes(self, application: Any = None, request: Any = None,
                             *args: Any, **kwargs: Any) -> list[str]:
        if application is None:
            return list(SCOPES)
        return [scope for scope in application.allowed_scope_list if scope in SCOPES]

    def get_default_scopes(self, application: Any = None, request: Any = None,
                           *args: Any, **kwargs: Any) -> list[str]:
        return ["openid"]


def international_phone(phone: str) -> str:
    """OIDC Core §5.1 wants E.164 ("+84912345678"); Vietnamese numbers are kept as 0912…"""
    return "+84" + phone[1:] if phone.startswith("0") else phone


def account_claims(account: Account) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "name": account.full_name,
        "preferred_username": account.username,
        "updated_at": int(account.updated_at.timestamp()),
        "assurance_level": account.assurance_level,
    }
    if account.email:
        claims["email"] = account.email
        claims["email_verified"] = False  # govhub does not verify addresses yet
    if account.phone:
        claims["phone_number"] = international_phone(account.phone)
        claims["phone_number_verified"] = account.phone_verified_at is not None
    if account.commune is not None:
        claims["commune"] = {"code": account.commune.admin_unit_code,
                             "name": account.commune.name}
    if account.agency is not None:
        claims["agency"] = {"id": str(account.agency.pk), "name": account.agency.name,
                            "code": account.agency.electronic_id_code}
        claims["position"] = account.position
        claims["roles"] = [{"role": g.role_code, "agency_id": str(g.agency_id)}
                           for g in access_for(account).grants]
    return claims


def _session_of(request: Any) -> SignInSession | None:
    """The sign-in behind this token request: by authorization code for the code grant,
    by refresh-token family for a refresh."""
    code = getattr(request, "code", None)
    links = ClientSession.objects.select_related("sign_in_session")
    if code:
        link = links.filter(authorization_code=code).first()
        return link.sign_in_session if link else None
    refresh = getattr(request, "refresh_token_instance", None)
    family = getattr(refresh, "token_family", None)
    if family:
        link = links.filter(token_family=family).first()
        return link.sign_in_session if link else None
    return None


class GovhubValidator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPES

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return account_claims(request.user)

    def get_id_token_dictionary(self, token: Any, token_handler: Any,
                                request: Any) -> tuple[dict[str, Any], Any]:
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        session = _session_of(request)
        if session is not None:
            # OIDC Back-Channel Logout 1.0 §2.1 (sid); OIDC Core §2 (acr, amr, auth_time
            # of the sign-in, not of the account's last login anywhere).
            claims.update(sid=session.sid, acr=session.acr, amr=session.amr,
                          auth_time=int(session.authenticated_at.timestamp()))
        return claims, expires

    def finalize_id_token(self, id_token: dict[str, Any], token: Any, token_handler: Any,
                          request: Any) -> str:
        # DOT signs with request.client.jwk_key: the current key (the first ID token of an
        # installation creates it).
        request.client.signing_jwk = signing_keys.current_signing_jwk()
        return str(super().finalize_id_token(id_token, token, token_handler, request))

    def _get_client_by_audience(self, audience: Any) -> Any:
        # An ID token coming back (id_token_hint at RP-initiated logout) is checked with the
        # same key, through the client it was issued to.
        client = super()._get_client_by_audience(audience)
        if client is not None:
            client.signing_jwk = signing_keys.current_signing_jwk()
        return client

    def validate_silent_login(self, request: Any) -> bool:
        # OIDC Core §3.1.2.1 prompt=none needs a signed-in browser. DOT gives oauthlib no
        # Django user while validating, so views.AuthorizeView.dispatch says so in a
        # server-set META key (not an HTTP_ one, so no client can send it). oauthlib asks
        # this before consent, so nobody signed in is login_required, never
        # consent_required (OIDC Core §3.1.2.6).
        return (request.headers or {}).get(SILENT_LOGIN_META_KEY) == "1"

    def validate_silent_authorization(self, request: Any) -> bool:
        # …and only where no consent screen would be shown: a first-party app, or a consent
        # on record covering the scopes (views.AuthorizeView checks it, since oauthlib has
        # no Django user here, and says so in a server-set META key — not an HTTP_ one, so
        # no client can send it).
        if request.client.skip_authorization:
            return True
        return (request.headers or {}).get(SILENT_CONSENT_META_KEY) == "1"

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        # RFC 7636 / RFC 9700 §2.1.1: a public client (the PWA) cannot keep a secret, so
        # only PKCE binds the code to it. Confidential clients may add it.
        return not Client.objects.filter(client_id=client_id,
                                         client_type=Client.CLIENT_CONFIDENTIAL).exists()

    def validate_code(self, client_id: str, code: str, client: Any, request: Any,
                      *args: Any, **kwargs: Any) -> bool:
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        # RFC 6749 §4.1.2: a code used twice is refused (oauthlib answers invalid_grant)
        # and the tokens issued with it are revoked. An exchanged code's grant is gone,
        # but its ClientSession link still names the token family it bought.
        sign_in.revoke_tokens_of_replayed_code(client=client, authorization_code=code)
        return False

    def save_authorization_code(self, client_id: str, code: dict[str, Any], request: Any,
                                *args: Any, **kwargs: Any) -> None:
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        sid = getattr(request, "govhub_sid", None)
        if sid:
            sign_in.record_client_session(sid=sid, client=request.client,
                                          authorization_code=code["code"])

    def _create_refresh_token(self, request: Any, refresh_token_code: str, access_token: Any,
                              previous_refresh_token: Any) -> Any:
        refresh = super()._create_refresh_token(request, refresh_token_code, access_token,
                                                previous_refresh_token)
        code = getattr(request, "code", None)
        if previous_refresh_token is None and code:
            sign_in.attach_token_family(authorization_code=code,
                                        token_family=refresh.token_family)
        return refresh
