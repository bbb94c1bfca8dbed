"""Consumer authentication through the policy: API keys, RFC 9068 access tokens, mutual TLS,
and the rule that the authenticated system must be the X-Road-Client."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from govhub_contracts.snapshot import ApiKey
from govhub_gateway.engine.exchange import Forward, Respond
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    CERT_SHA256,
    CONSUMER,
    ISSUER,
    NOW,
    OTHER,
    OTHER_KEY,
    PARCELS,
    harness,
    head,
    snapshot,
)

URL = f"/r1/{PARCELS}/parcels/42"
_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def jwks(*keys: RSAKey) -> dict[str, Any]:
    return KeySet(list(keys)).as_dict(private=False)


def token(key: RSAKey = _KEY, typ: str = "at+jwt", **claims: Any) -> str:
    now = int(NOW.timestamp())
    values: dict[str, Any] = {"iss": ISSUER, "aud": ["govhub-gateway"], "client_id": "onegate-app",
                              "sub": "onegate-app", "iat": now, "exp": now + 300}
    values.update(claims)
    header = {"alg": "RS256", "kid": key.kid, "typ": typ}
    return jwt.encode(header, values, key)


def refusal(decision: object, status: int = 401) -> dict[str, Any]:
    assert isinstance(decision, Respond), decision
    assert decision.status == status
    return dict(json.loads(decision.body))


def test_api_key_in_authorization_or_x_api_key_authenticates() -> None:
    h = harness()
    assert isinstance(h.policy.decide(head(URL)), Forward)
    request = head(URL, auth=None, extra=[("x-api-key", API_KEY)])
    assert isinstance(h.policy.decide(request), Forward)


def test_wrong_secret_unknown_key_and_no_credential_are_401_with_a_bearer_challenge() -> None:
    h = harness()
    for auth in (API_KEY[:-1] + "x", "ghk_nokey_abc", None):
        decision = h.policy.decide(head(URL, auth=auth))
        body = refusal(decision)
        assert body["type"].endswith("/problems/gateway-not-authenticated")
        assert API_KEY not in json.dumps(body)
        assert any(name == "www-authenticate" and value.startswith("Bearer")
                   for name, value in decision.headers)  # type: ignore[union-attr]


def test_expired_api_key_is_refused() -> None:
    snap = snapshot()
    expired = snap.api_keys[0].model_copy(update={"expires_at": NOW - timedelta(seconds=1)})
    h = harness(snapshot(api_keys=[expired, *snap.api_keys[1:]]))
    assert "expired" in refusal(h.policy.decide(head(URL)))["detail"]


def test_a_key_used_before_still_expires_and_is_revoked_by_the_next_snapshot() -> None:
    snap = snapshot()
    expiring = snap.api_keys[0].model_copy(update={"expires_at": NOW + timedelta(seconds=60)})
    h = harness(snapshot(api_keys=[expiring, *snap.api_keys[1:]]))
    for _ in range(2):  # the second call finds the key already verified
        assert isinstance(h.policy.decide(head(URL)), Forward)
    assert isinstance(h.policy.decide(head(URL, auth=API_KEY + "x")), Respond)
    h.clock.advance(61)
    assert "expired" in refusal(h.policy.decide(head(URL)))["detail"]

    h = harness()
    assert isinstance(h.policy.decide(head(URL)), Forward)
    h.policy.update_snapshot(snapshot(version=2, api_keys=[]))  # the key is revoked
    assert refusal(h.policy.decide(head(URL)))["detail"] == "unknown API key"


def test_authenticated_system_must_be_the_x_road_client() -> None:
    h = harness()
    body = refusal(h.policy.decide(head(URL, auth=OTHER_KEY)))
    assert OTHER in body["detail"]
    assert CONSUMER in body["detail"]


def test_valid_access_token_maps_client_id_to_the_consumer_system() -> None:
    h = harness()
    h.tokens.load_jwks(jwks(_KEY))
    assert isinstance(h.policy.decide(head(URL, auth=token())), Forward)
    assert isinstance(h.policy.decide(head(URL, auth=token(typ="JWT"))), Forward)


def test_token_checks_audience_issuer_signature_and_client() -> None:
    h = harness()
    h.tokens.load_jwks(jwks(_KEY))
    impostor = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, other key
    for bad in (token(aud="someone-else"), token(iss="https://evil.example"),
                token(key=impostor), token(client_id="unregistered"), token(typ="id+jwt")):
        decision = h.policy.decide(head(URL, auth=bad))
        refusal(decision)
        assert ("www-authenticate", 'Bearer realm="govhub-gateway", error="invalid_token"') \
            in decision.headers  # type: ignore[union-attr]


def test_token_expiry_allows_thirty_seconds_of_clock_skew() -> None:
    h = harness()
    h.tokens.load_jwks(jwks(_KEY))
    now = int(NOW.timestamp())
    assert isinstance(h.policy.decide(head(URL, auth=token(exp=now - 20))), Forward)
    refusal(h.policy.decide(head(URL, auth=token(exp=now - 40))))
    assert isinstance(h.policy.decide(head(URL, auth=token(nbf=now + 20))), Forward)
    refusal(h.policy.decide(head(URL, auth=token(nbf=now + 40))))


def test_unknown_kid_is_refused_and_flags_a_refresh_then_works_after_reload() -> None:
    h = harness()
    h.tokens.load_jwks(jwks(_KEY))
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    refusal(h.policy.decide(head(URL, auth=token(key=rotated))))
    assert h.tokens.needs_refresh is True
    h.tokens.load_jwks(jwks(_KEY, rotated))
    assert h.tokens.needs_refresh is False
    assert isinstance(h.policy.decide(head(URL, auth=token(key=rotated))), Forward)


def test_refresh_fetches_the_jwks_over_http() -> None:
    async def scenario() -> bool:
        async def serve_jwks(request: web.Request) -> web.Response:
            return web.json_response(jwks(_KEY))

        app = web.Application()
        app.router.add_get("/o/jwks", serve_jwks)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            h = harness()
            h.tokens.jwks_uri = f"http://127.0.0.1:{port}/o/jwks"
            await h.tokens.refresh()
            return isinstance(h.policy.decide(head(URL, auth=token())), Forward)
        finally:
            await runner.cleanup()

    assert asyncio.run(scenario()) is True


def test_snapshot_sets_the_jwks_uri_for_the_runner() -> None:
    assert harness().tokens.jwks_uri == f"{ISSUER}/o/jwks"


def test_client_certificate_fingerprint_authenticates() -> None:
    h = harness()
    assert isinstance(h.policy.decide(head(URL, auth=None, peer=CERT_SHA256.upper())), Forward)
    refusal(h.policy.decide(head(URL, auth=None, peer="cd" * 32)))


def test_key_rotation_in_a_new_snapshot_retires_the_old_key() -> None:
    h = harness()
    replacement = ApiKey(key_id="key9", secret_sha256="0" * 64, client=CONSUMER)
    h.policy.update_snapshot(snapshot(version=2, api_keys=[replacement]))
    refusal(h.policy.decide(head(URL)))
