"""govhub as an OpenID Connect relying party of VNeID, the national e-ID, reached through the
national public-service portal (in the demo and tests: ``govhub_sandbox.vneid``).

Authlib does the protocol: discovery, the authorization code flow with PKCE S256 (RFC 7636),
``state`` bound to the browser's session, ``nonce``, the token request, and the ID token's
checks (OIDC Core §3.1.3.7: signature against the upstream's JWKS, ``iss``, ``exp``, ``iat``,
``nonce``, ``at_hash``). This module adds what Authlib leaves to the caller: the
RFC 9207 ``iss`` check on the authorization response, refusing a token response without a
verified ID token, the ID token's ``aud`` and ``azp`` checked explicitly, the user
info's ``sub`` check (OIDC Core §5.3.2), and the mapping of
upstream claims and levels to govhub's. docs/decisions/0011-vneid-federation.md
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from govhub.identity.federation.services.vneid_accounts import FederatedIdentity
from govhub.identity.people import personal_id
from govhub.identity.sso.assurance import ACR_LEVEL_1, ACR_LEVEL_2
from govhub.kernel import outbound_http
from govhub.kernel.outbound_http import OutboundHttpError

log = logging.getLogger(__name__)

CLIENT_NAME = "vneid"
# Discovery metadata is fetched again after this long, so a changed endpoint or key set at
# the portal reaches a long-running process (Authlib refetches the JWKS itself on an
# unknown ``kid``).
METADATA_TTL_SECONDS = 3600
# RFC 8176 has no value for "an upstream identity provider vouched for it": used only when
# the upstream sends no ``amr``.
FEDERATED_AMR = "fed"
# RFC 8176 §2 values by authentication factor (NIST SP 800-63: something you know, have,
# are). Values outside RFC 8176's registry are dropped: govhub's apps read only that
# vocabulary. "mfa" is added when the upstream used factors of two kinds or more.
AMR_FACTORS = {
    "knowledge": frozenset({"pwd", "pin", "kba"}),
    "possession": frozenset({"otp", "sms", "tel", "hwk", "swk", "sc"}),
    "inherence": frozenset({"face", "fpt", "iris", "retina", "vbm"}),
}
RFC_8176_AMR = frozenset({"geo", "mca", "mfa", "rba", "user", "wia"}).union(
    *AMR_FACTORS.values())
ACR_BY_LEVEL = {1: ACR_LEVEL_1, 2: ACR_LEVEL_2}
# Before sending the browser to the upstream, govhub checks that its authorization endpoint
# answers within this long (or the configured timeout if shorter): a citizen should not
# meet the browser's own error page for a dead host when govhub can offer another way in.
PROBE_SECONDS = 2.0


# OpenID Connect Back-Channel Logout 1.0 §2.4: the event a logout token carries.
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# §2.6: a logout token is refused when its iat is older than this (and its jti is remembered
# this long, so a replay is caught for as long as the token would be accepted at all).
LOGOUT_TOKEN_MAX_AGE_SECONDS = 300
LOGOUT_TOKEN_LEEWAY_SECONDS = 60


class LogoutTokenError(Exception):
    """The upstream's logout token was refused; the message says why, for the log."""


class FederationError(Exception):
    """The sign-in did not succeed; ``reason`` picks the page the person sees."""

    NOT_CONFIGURED = "not_configured"
    CANCELLED = "cancelled"
    INVALID_STATE = "invalid_state"
    UNAVAILABLE = "unavailable"
    UPSTREAM_DOWN = "upstream_down"  # found down before the browser was sent there
    INVALID_RESPONSE = "invalid_response"
    ACCOUNT_DISABLED = "account_disabled"

    def __init__(self, reason: str, detail: str = "", *, next_url: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.next_url = next_url


@dataclass(frozen=True)
class FederationConfig:
    """settings.GOVHUB_VNEID, hashable so that one Authlib client serves each configuration."""

    discovery_url: str
    client_id: str
    client_secret: str = field(repr=False)  # kept out of logs and tracebacks
    scopes: str
    token_auth_method: str
    redirect_uri: str | None
    claims: tuple[tuple[str, str], ...]
    levels: tuple[tuple[str, int], ...]
    timeout_seconds: float
    acr_values: tuple[str, ...] = ()  # OIDC Core §3.1.2.1, sent on the authorization request

    def claim(self, key: str) -> str:
        return dict(self.claims)[key]

    def level_of(self, value: object) -> int | None:
        return dict(self.levels).get(str(value)) if value is not None else None


def configuration() -> FederationConfig | None:
    raw: Mapping[str, Any] | None = getattr(settings, "GOVHUB_VNEID", None)
    if not raw:
        return None
    return FederationConfig(
        discovery_url=str(raw["discovery_url"]), client_id=str(raw["client_id"]),
        client_secret=str(raw["client_secret"]), scopes=str(raw["scopes"]),
        token_auth_method=str(raw["token_auth_method"]),
        redirect_uri=raw.get("redirect_uri") or None,
        claims=tuple(sorted(dict(raw["claims"]).items())),
        levels=tuple(sorted(dict(raw["levels"]).items())),
        timeout_seconds=float(raw["timeout_seconds"]),
        acr_values=tuple(str(value) for value in raw.get("acr_values") or ()),
    )


_clients: dict[FederationConfig, tuple[float, Any]] = {}
_clients_lock = threading.Lock()


def upstream_client(config: FederationConfig) -> Any:
    """Authlib's Django client for this configuration (metadata cached for a while)."""
    now = time.monotonic()
    with _clients_lock:
        cached = _clients.get(config)
        if cached is not None and now - cached[0] < METADATA_TTL_SECONDS:
            return cached[1]
        oauth = OAuth()  # state and PKCE verifier live in the Django session
        client = oauth.register(
            CLIENT_NAME, client_cls=outbound_http.OAuth2ClientApp,
            user_agent=outbound_http.USER_AGENT, client_id=config.client_id,
            client_secret=config.client_secret, server_metadata_url=config.discovery_url,
            client_kwargs={
                "scope": config.scopes,
                "code_challenge_method": "S256",  # RFC 9700 §2.1.1
                "token_endpoint_auth_method": config.token_auth_method,
                "default_timeout": config.timeout_seconds,
            },
        )
        if len(_clients) > 8:  # configurations change only in tests; keep it bounded
            _clients.clear()
        _clients[config] = (now, client)
        return client


def redirect_uri(request: HttpRequest, config: FederationConfig) -> str:
    """The callback registered upstream. By default this site's callback as the browser
    reached it (the session cookie holding ``state`` is per host), without the /en/ prefix:
    the upstream matches redirect URIs exactly (OIDC Core §3.1.2.1)."""
    if config.redirect_uri:
        return config.redirect_uri
    with translation.override(settings.LANGUAGE_CODE):
        return request.build_absolute_uri(reverse("vneid-callback"))


def begin(request: HttpRequest, config: FederationConfig, next_url: str | None) -> HttpResponse:
    """Redirect the browser to the upstream's authorization endpoint."""
    client = upstream_client(config)
    callback = redirect_uri(request, config)
    # OIDC Core §3.1.2.1: asking for the levels makes the upstream say in `acr` which one
    # the citizen reached; without it many providers leave `acr` out.
    extra = {"acr_values": " ".join(config.acr_values)} if config.acr_values else {}
    try:
        authorization = client.create_authorization_url(callback, **extra)
    except (OutboundHttpError, ValueError, KeyError, RuntimeError) as error:
        raise FederationError(FederationError.UNAVAILABLE, type(error).__name__,
                              next_url=next_url) from error
    if not _answers(authorization["url"], min(PROBE_SECONDS, config.timeout_seconds)):
        raise FederationError(FederationError.UPSTREAM_DOWN, "authorization endpoint",
                              next_url=next_url)
    # Authlib keeps state, nonce and the PKCE verifier in the session under the state; the
    # page to return to rides along, so two tabs signing in at once do not mix them up.
    client.save_authorize_data(request, redirect_uri=callback, next_url=next_url or "",
                               **authorization)
    response = HttpResponseRedirect(authorization["url"])
    response["Cache-Control"] = "no-store"
    return response


def _answers(url: str, timeout_seconds: float) -> bool:
    """Whether the upstream's authorization endpoint answers at all: a HEAD without the
    request's query (no code, no state spent), one attempt, through govhub's outbound HTTP
    (its proxy settings). Any answer below 500 counts, 405 included; a refused or timed-out
    connection or a 5xx (RFC 9110 §15.6: the server or a gateway in front of it failing)
    does not. The metadata being cached, this is the only sign that the host died."""
    endpoint = urlsplit(url)._replace(query="", fragment="").geturl()
    try:
        with outbound_http.session(connect_timeout_seconds=timeout_seconds,
                                   read_timeout_seconds=timeout_seconds, retries=0) as probe:
            status = probe.head(endpoint, allow_redirects=False).status_code
    except OutboundHttpError as error:
        log.warning("VNeID authorization endpoint unreachable: %s", type(error).__name__)
        return False
    return status < 500


@dataclass(frozen=True)
class FederatedSignIn:
    identity: FederatedIdentity
    acr: str
    amr: list[str]
    next_url: str | None
    upstream_sid: str = ""  # the ID token's sid, for the upstream's back-channel logout


def finish(request: HttpRequest, config: FederationConfig) -> FederatedSignIn:
    """Check the authorization response, redeem the code, verify the ID token, read the
    user info: who signed in, at what level. Raises FederationError."""
    client = upstream_client(config)
    next_url = _check_authorization_response(request, client)
    try:
        claims, userinfo = _redeem(request, client)
        check_audience(claims, config.client_id)
    except FederationError as error:
        error.next_url = next_url
        raise
    identity = _identity(config, claims, userinfo, next_url)
    sid = claims.get("sid")
    return FederatedSignIn(identity=identity, acr=ACR_BY_LEVEL[identity.level],
                           amr=standard_amr(claims.get("amr")), next_url=next_url,
                           upstream_sid=sid[:255] if isinstance(sid, str) else "")


def verify_logout_token(config: FederationConfig, token: str) -> str:
    """The upstream session a back-channel logout token ends, after the checks of
    OpenID Connect Back-Channel Logout 1.0 §2.6: signature against the upstream's JWKS with
    its ID token algorithms, ``iss``, ``aud`` (and ``azp``) naming govhub, a recent ``iat``,
    ``events`` with the logout event, no ``nonce``, a ``jti`` never seen before. govhub
    keeps only the upstream's ``sid`` (§2.4), so a token without one is refused."""
    client = upstream_client(config)
    try:
        metadata = client.load_server_metadata()
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        keys = KeySet.import_key_set(client.fetch_jwk_set())
        claims = dict(jwt.decode(token, keys, algorithms=algorithms).claims)
        jwt.JWTClaimsRegistry(
            leeway=LOGOUT_TOKEN_LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata.get("issuer")},
            iat={"essential": True}, jti={"essential": True}, events={"essential": True},
        ).validate(claims)
        check_audience(claims, config.client_id)
    except FederationError as error:
        raise LogoutTokenError(str(error)) from error
    except (OutboundHttpError, ValueError, JoseError, KeyError, RuntimeError) as error:
        raise LogoutTokenError(_describe(error)) from error
    events = claims.get("events")
    if not (isinstance(events, dict) and isinstance(events.get(LOGOUT_EVENT), dict)):
        raise LogoutTokenError("events has no back-channel logout event")
    if "nonce" in claims:  # §2.4: forbidden, so an ID token cannot pass for a logout token
        raise LogoutTokenError("nonce present")
    iat = claims["iat"]
    if not isinstance(iat, int) or (
            time.time() - iat > LOGOUT_TOKEN_MAX_AGE_SECONDS + LOGOUT_TOKEN_LEEWAY_SECONDS):
        raise LogoutTokenError("iat too old")
    sid = claims.get("sid")
    if not isinstance(sid, str) or not sid:
        raise LogoutTokenError("no sid")
    jti = str(claims["jti"])
    # One use per jti (§2.6 step 7 "MAY"): add() stores only if absent, in the cache every
    # web process shares; kept as long as the token's iat is still accepted.
    digest = hashlib.sha256(f"{metadata.get('issuer')} {jti}".encode()).hexdigest()
    if not cache.add(f"vneid-logout-jti:{digest}", 1,
                     LOGOUT_TOKEN_MAX_AGE_SECONDS + 2 * LOGOUT_TOKEN_LEEWAY_SECONDS):
        raise LogoutTokenError("jti replayed")
    return sid[:255]


def standard_amr(upstream: object) -> list[str]:
    """The upstream's ``amr`` in RFC 8176's vocabulary, in its order, each value once, with
    ``mfa`` when factors of two kinds or more were used; ``fed`` when nothing is left."""
    values = upstream if isinstance(upstream, list) else []
    amr = list(dict.fromkeys(v for v in values if isinstance(v, str) and v in RFC_8176_AMR))
    kinds = sum(1 for factors in AMR_FACTORS.values() if factors.intersection(amr))
    if kinds > 1 and "mfa" not in amr:
        amr.append("mfa")
    return amr or [FEDERATED_AMR]


def _check_authorization_response(request: HttpRequest, client: Any) -> str | None:
    """The callback's query (RFC 6749 §4.1.2): an error, or a state this browser holds and
    the right issuer. Returns the page to go back to."""
    state = request.GET.get("state") or ""
    saved = client.framework.get_state_data(request.session, state) if state else None
    next_url = (saved or {}).get("next_url") or None
    error = request.GET.get("error")
    if saved is None and not error:
        # No such sign-in started in this browser: forged, replayed or expired (CSRF
        # defence, RFC 6749 §10.12).
        raise FederationError(FederationError.INVALID_STATE, "unknown state")
    try:
        if error:
            # RFC 6749 §4.1.2.1: access_denied is the person saying no; anything else is
            # the upstream refusing the request.
            raise FederationError(FederationError.CANCELLED if error == "access_denied"
                                  else FederationError.INVALID_RESPONSE,
                                  f"upstream error {error[:40]}", next_url=next_url)
        _check_issuer(request, client.load_server_metadata())
    except FederationError:
        if saved is not None:
            client.framework.clear_state_data(request.session, state)  # used once
        raise
    except (OutboundHttpError, ValueError) as failure:
        raise FederationError(FederationError.UNAVAILABLE, type(failure).__name__,
                              next_url=next_url) from failure
    return next_url


def _redeem(request: HttpRequest, client: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The token request (Authlib verifies the ID token in it), then the user info."""
    try:
        token = client.authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:  # Authlib verified no ID token: refuse rather than trust userinfo alone
            raise FederationError(FederationError.INVALID_RESPONSE, "no verified ID token")
        userinfo = client.userinfo(token=token)
    except (OutboundHttpError, ValueError) as error:
        # Timeouts, refused connections, 5xx answers (Authlib raises HTTPError for a 5xx
        # even when its body is an RFC 6749 §5.2 error).
        raise FederationError(FederationError.UNAVAILABLE, type(error).__name__) from error
    except (AuthlibBaseError, JoseError, KeyError, RuntimeError) as error:
        # AuthlibBaseError: RFC 6749 §5.2 token errors, mismatching state; JoseError: bad
        # signature, unknown key, wrong iss/aud/nonce, expired; KeyError, RuntimeError:
        # metadata without a userinfo endpoint or JWKS.
        raise FederationError(FederationError.INVALID_RESPONSE, _describe(error)) from error
    if userinfo.get("sub") != claims.get("sub"):  # OIDC Core §5.3.2: MUST match exactly
        raise FederationError(FederationError.INVALID_RESPONSE, "userinfo sub differs")
    return claims, userinfo


def check_audience(claims: Mapping[str, Any], client_id: str) -> None:
    """OIDC Core §3.1.3.7 steps 3 to 5, made explicit: Authlib checks ``aud`` only through
    ``azp``, so a token for another relying party that names govhub in ``azp`` would pass.
    The token is refused unless ``aud`` contains govhub's client id; with several audiences
    (or any ``azp``) the authorized party must be govhub."""
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not (isinstance(audiences, list) and all(isinstance(a, str) for a in audiences)
            and client_id in audiences):
        raise FederationError(FederationError.INVALID_RESPONSE, "aud is not govhub")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise FederationError(FederationError.INVALID_RESPONSE, "azp is not govhub")


def _describe(error: Exception) -> str:
    """For the log: the kind of failure and the protocol's words for it (an error code, a
    claim name), never a token or a claim value."""
    code = getattr(error, "error", "") or ""
    description = getattr(error, "description", "") or ""
    return f"{type(error).__name__} {code} {description}".strip()[:160]


def _check_issuer(request: HttpRequest, metadata: Mapping[str, Any]) -> None:
    """RFC 9207 §2.4: a provider that says it sends ``iss`` must send its own issuer, so a
    response from another provider (a mix-up attack) is refused before the code is used."""
    iss = request.GET.get("iss")
    if iss is None and not metadata.get("authorization_response_iss_parameter_supported"):
        return
    if iss != metadata.get("issuer"):
        raise FederationError(FederationError.INVALID_RESPONSE, "iss mismatch (RFC 9207)")


def _level(config: FederationConfig, claims: Mapping[str, Any],
           userinfo: Mapping[str, Any]) -> int:
    """The signed ID token's ``acr`` first, then the user info's level claim. Every VNeID
    account is at least level 1 (Decree 69/2024/NĐ-CP), so an unknown value counts as 1."""
    for value in (claims.get("acr"), userinfo.get(config.claim("level"))):
        level = config.level_of(value)
        if level is not None:
            return level
    log.warning("VNeID sign-in: unknown assurance level, taken as 1 (acr=%r)",
                str(claims.get("acr"))[:40])
    return 1


def _identity(config: FederationConfig, claims: Mapping[str, Any],
              userinfo: Mapping[str, Any], next_url: str | None) -> FederatedIdentity:
    try:
        number = personal_id.normalise(str(userinfo.get(config.claim("personal_id")) or ""))
    except ValidationError as error:
        raise FederationError(FederationError.INVALID_RESPONSE, "no valid personal ID claim",
                              next_url=next_url) from error
    # Unicode NFC: the same name with combining marks or precomposed letters is one name.
    name = " ".join(unicodedata.normalize(
        "NFC", str(userinfo.get(config.claim("full_name")) or "")).split())
    if not name:
        raise FederationError(FederationError.INVALID_RESPONSE, "no full name claim",
                              next_url=next_url)
    phone = re.sub(r"[\s.]", "", str(userinfo.get(config.claim("phone")) or "")) or None
    return FederatedIdentity(
        personal_id=number, full_name=name[:200], level=_level(config, claims, userinfo),
        birth_date=_birth_date(userinfo.get(config.claim("birth_date"))), phone=phone,
    )


def _birth_date(value: object) -> dt.date | None:
    """yyyy-mm-dd (the sandbox, ISO 8601) or dd/mm/yyyy (as Vietnamese documents write it)."""
    text = str(value or "")
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
