"""The WebAuthn ceremonies (Web Authentication Level 3 §7), done by ``py_webauthn``: options
for ``navigator.credentials.create``/``get``, and verification of what the browser returns.
The challenge waits in the browser's session for one use. No writes here: registering and
using a passkey are services (:mod:`govhub.identity.second_factor.services.factors`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from govhub.identity.models import Account, Passkey

SESSION_KEY = "govhub_webauthn_challenge"
CEREMONY_SECONDS = 120
RP_NAME = "govhub"


class PasskeyError(Exception):
    """The browser's answer does not prove what it should (never says which check failed:
    the message shown is the same for every failure)."""


@dataclass(frozen=True)
class NewCredential:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]
    is_synced: bool


@dataclass(frozen=True)
class Assertion:
    passkey: Passkey
    new_sign_count: int


def relying_party(request: HttpRequest) -> tuple[str, str]:
    """(RP id, origin). The RP id is GOVHUB_WEBAUTHN_RP_ID when set (e.g. a parent domain
    shared by several hosts), else this request's host — already checked against
    ALLOWED_HOSTS by ``get_host``. Passkeys are bound to the RP id (WebAuthn §5.1.3)."""
    host = request.get_host()
    configured = getattr(settings, "GOVHUB_WEBAUTHN_RP_ID", None)
    return configured or urlsplit(f"//{host}").hostname or host, f"{request.scheme}://{host}"


def _remember(request: HttpRequest, purpose: str, account: Account, challenge: bytes) -> None:
    request.session[SESSION_KEY] = {
        "purpose": purpose, "account_id": str(account.pk),
        "challenge": bytes_to_base64url(challenge),
        "expires_at": time.time() + CEREMONY_SECONDS,
    }


def _take_challenge(request: HttpRequest, purpose: str, account: Account) -> bytes:
    """The challenge issued to this browser for this purpose, once (a replayed answer
    finds none)."""
    waiting = request.session.pop(SESSION_KEY, None)
    if (not isinstance(waiting, dict) or waiting.get("purpose") != purpose
            or waiting.get("account_id") != str(account.pk)
            or float(waiting.get("expires_at", 0)) < time.time()):
        raise PasskeyError("no challenge")
    return base64url_to_bytes(waiting["challenge"])


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in passkey.transports:
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue  # a transport newer than the library: only a hint, so leave it out
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id),
                                         transports=transports or None)


def registration_options(request: HttpRequest, account: Account) -> str:
    """Options for ``navigator.credentials.create``, as JSON. The user handle is the
    account's UUID: stable, and no personal data (WebAuthn §14.6.1)."""
    rp_id, _origin = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_id=account.pk.bytes, user_name=account.username,
        user_display_name=account.full_name or account.username,
        timeout=CEREMONY_SECONDS * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[_descriptor(p) for p in account.passkeys.all()],
    )
    _remember(request, "register", account, options.challenge)
    return str(options_to_json(options))


def verify_registration(request: HttpRequest, account: Account,
                        credential: Any) -> NewCredential:
    rp_id, origin = relying_party(request)
    challenge = _take_challenge(request, "register", account)
    if not isinstance(credential, dict):
        raise PasskeyError("not a credential")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origin)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise PasskeyError(str(error)) from error
    response = credential.get("response") or {}
    transports = [str(t)[:32] for t in response.get("transports") or []][:10]
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=transports,
        is_synced=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
    )


def authentication_options(request: HttpRequest, account: Account) -> str:
    """Options for ``navigator.credentials.get``, naming the account's own passkeys (the
    password was already checked, so listing them reveals nothing to a stranger)."""
    rp_id, _origin = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp_id, timeout=CEREMONY_SECONDS * 1000,
        allow_credentials=[_descriptor(p) for p in account.passkeys.all()],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember(request, "authenticate", account, options.challenge)
    return str(options_to_json(options))


def verify_assertion(request: HttpRequest, account: Account, credential: Any) -> Assertion:
    rp_id, origin = relying_party(request)
    challenge = _take_challenge(request, "authenticate", account)
    if not isinstance(credential, dict):
        raise PasskeyError("not a credential")
    passkey = account.passkeys.filter(credential_id=str(credential.get("id") or "")).first()
    if passkey is None:
        raise PasskeyError("unknown credential")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origin, credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise PasskeyError(str(error)) from error
    return Assertion(passkey=passkey, new_sign_count=verified.new_sign_count)
