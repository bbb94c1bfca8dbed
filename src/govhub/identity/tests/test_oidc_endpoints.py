"""The provider's rules at each endpoint: bad requests get the RFC 6749 / OIDC errors,
machine clients get tokens, keys rotate without breaking tokens already issued."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone
from jwcrypto import jwk, jwt

from govhub.identity.models import Client, SigningKey
from govhub.identity.people import roles
from govhub.identity.sso.services import clients
from govhub.identity.sso.signing_keys import retire_signing_keys, rotate_signing_key
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry

REDIRECT = "https://dat-dai.camau.example/callback"


@pytest.fixture
def public_client(tree: Any) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name="CaMau-G", client_type=Client.CLIENT_PUBLIC,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE, redirect_uris=REDIRECT,
        skip_authorization=True)
    return client


@pytest.fixture
def signed_in(client: Browser, tree: Any, make_official: Any) -> Browser:
    client.force_login(make_official(tree.commune_a))
    return client


def authorize(client: Browser, **params: str) -> Any:
    return client.get("/o/authorize/?" + urllib.parse.urlencode(params))


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()


def test_unknown_client_gets_an_error_page_not_a_redirect(signed_in: Browser) -> None:
    response = authorize(signed_in, client_id="khong-co", response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s")
    assert response.status_code == 400
    assert "Location" not in response
    assert "không thể chấp nhận" in response.content.decode().lower()


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    signed_in: Browser, public_client: Client
) -> None:
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri="https://ke-gian.example/cb", state="s",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    assert response.status_code == 400
    assert "Location" not in response


@pytest.mark.parametrize("pkce", [{}, {"code_challenge": "v" * 50,
                                       "code_challenge_method": "plain"}])
def test_public_client_without_s256_pkce_gets_invalid_request(
    signed_in: Browser, public_client: Client, pkce: dict[str, str]
) -> None:
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s", **pkce)
    # RFC 6749 §4.1.2.1: with a valid redirect URI the error goes back to the client.
    assert response.status_code == 302
    query = urllib.parse.parse_qs(urllib.parse.urlparse(response["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["s"]


def test_code_is_issued_with_s256_pkce(signed_in: Browser, public_client: Client) -> None:
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    assert response.status_code == 302
    assert "code=" in response["Location"]


@pytest.fixture
def machine(tree: Any) -> tuple[Client, str]:
    client, secret = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Hệ thống một cửa điện tử",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
    assert secret is not None
    return client, secret


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_client_credentials_introspection_and_revocation(
    client: Browser, machine: tuple[Client, str]
) -> None:
    app, secret = machine
    auth = basic(app.client_id, secret)
    issued = client.post("/o/token/", {"grant_type": "client_credentials"},
                         HTTP_AUTHORIZATION=auth)
    assert issued.status_code == 200, issued.content
    token = issued.json()["access_token"]
    assert "refresh_token" not in issued.json()  # RFC 6749 §4.4.3

    active = client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=auth).json()
    assert active["active"] is True
    assert active["client_id"] == app.client_id

    assert client.post("/o/revoke_token/", {"token": token},
                       HTTP_AUTHORIZATION=auth).status_code == 200
    revoked = client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=auth).json()
    assert revoked["active"] is False


def test_app_authorized_still_reaches_a_receiver_with_the_issued_token(
    client: Browser, machine: tuple[Client, str]
) -> None:
    # The token endpoint skips DOT's read-back only while nothing listens for the signal.
    from oauth2_provider.models import AccessToken
    from oauth2_provider.signals import app_authorized

    received: list[AccessToken] = []

    def receiver(sender: Any, request: Any, token: AccessToken, **kwargs: Any) -> None:
        received.append(token)

    app_authorized.connect(receiver)
    try:
        app, secret = machine
        issued = client.post("/o/token/", {"grant_type": "client_credentials"},
                             HTTP_AUTHORIZATION=basic(app.client_id, secret))
    finally:
        app_authorized.disconnect(receiver)
    assert issued.status_code == 200
    assert [token.token for token in received] == [issued.json()["access_token"]]
    assert received[0].application_id == app.pk


def test_wrong_client_secret_is_invalid_client(client: Browser,
                                               machine: tuple[Client, str]) -> None:
    app, _ = machine
    response = client.post("/o/token/", {"grant_type": "client_credentials"},
                           HTTP_AUTHORIZATION=basic(app.client_id, "sai-mat-khau"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_secret_is_stored_hashed_and_rotation_is_audited(
    machine: tuple[Client, str]
) -> None:
    app, secret = machine
    app.refresh_from_db()
    assert secret not in app.client_secret
    new_secret = clients.rotate_client_secret(actor=SYSTEM, client=app)
    assert new_secret != secret
    entry = AuditEntry.objects.filter(target_id=str(app.pk)).first()
    assert entry is not None
    assert new_secret not in json.dumps(entry.after)


@pytest.mark.django_db
def test_discovery_document(client: Browser) -> None:
    data = client.get("/.well-known/openid-configuration").json()
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint",
                     "jwks_uri", "revocation_endpoint", "introspection_endpoint",
                     "end_session_endpoint"):
        assert data[endpoint].startswith("http"), endpoint
    assert data["response_types_supported"] == ["code"]
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert {"sid", "acr", "amr", "commune", "roles"} <= set(data["claims_supported"])
    assert data["acr_values_supported"] == ["urn:govhub:loa:1", "urn:govhub:loa:2"]


def _id_token_kid(client: Browser, public_client: Client) -> str:
    verifier = "v" * 50
    code_redirect = authorize(client, client_id=public_client.client_id, response_type="code",
                              scope="openid", redirect_uri=REDIRECT, state="s",
                              code_challenge=s256(verifier), code_challenge_method="S256")
    code = urllib.parse.parse_qs(urllib.parse.urlparse(code_redirect["Location"]).query)["code"][0]
    tokens = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": public_client.client_id, "code_verifier": verifier}).json()
    keys = jwk.JWKSet.from_json(client.get("/o/.well-known/jwks.json").content)
    # Verifies against the published set, as a relying party would.
    token = jwt.JWT(jwt=tokens["id_token"], key=keys, expected_type="JWS")
    return str(json.loads(token.header)["kid"])


def test_key_rotation_keeps_old_tokens_verifiable_until_they_expire(
    signed_in: Browser, public_client: Client, tree: Any, make_official: Any
) -> None:
    first_kid = _id_token_kid(signed_in, public_client)
    admin = make_official(tree.province, roles.PLATFORM_ADMIN)
    rotate_signing_key(actor=admin)
    published = {k["kid"] for k in signed_in.get("/o/.well-known/jwks.json").json()["keys"]}
    assert len(published) == 2
    assert first_kid in published
    second_kid = _id_token_kid(signed_in, public_client)
    assert second_kid != first_kid

    # Once every token the old key signed has expired, it leaves the JWKS and is destroyed.
    SigningKey.objects.filter(kid=first_kid).update(
        published_until=timezone.now() - timedelta(seconds=1))
    published = {k["kid"] for k in signed_in.get("/o/.well-known/jwks.json").json()["keys"]}
    assert published == {second_kid}
    assert retire_signing_keys(actor=admin) == [first_kid]
    assert not SigningKey.objects.filter(kid=first_kid).exists()


def test_only_a_platform_admin_rotates_keys(tree: Any, make_official: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        rotate_signing_key(actor=make_official(tree.province, roles.AGENCY_ADMIN))


def test_the_rotation_command_names_its_administrator(tree: Any, make_official: Any) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    admin = make_official(tree.province, roles.PLATFORM_ADMIN, username="quantri.khoa")
    with pytest.raises(CommandError, match="--as"):
        call_command("oidc_keys", "rotate")
    out = StringIO()
    call_command("oidc_keys", "rotate", "--as", "quantri.khoa", stdout=out)
    assert "New signing key" in out.getvalue()
    listing = StringIO()
    call_command("oidc_keys", "list", stdout=listing)
    assert "signing" in listing.getvalue()
    assert AuditEntry.objects.filter(actor_id=admin.pk, target_type="identity.signingkey").exists()


def test_client_secrets_use_the_machine_secret_hasher_and_passwords_do_not(
    machine: tuple[Client, str], tree: Any, make_official: Any, settings: Any
) -> None:
    from django.contrib.auth.hashers import check_password, make_password

    app, secret = machine
    app.refresh_from_db()
    assert app.client_secret.startswith("govhub_sha256_secret$")
    assert check_password(secret, app.client_secret)
    wrong_last = "y" if secret.endswith("x") else "x"  # a secret may end with "x" itself
    assert not check_password(secret[:-1] + wrong_last, app.client_secret)
    # Production passwords keep a deliberately slow hasher (the first in the list).
    assert settings.PASSWORD_HASHERS[0] != "govhub.identity.people.hashers.MachineSecretHasher"
    assert not make_password("mật khẩu").startswith("govhub_sha256_secret$")


def test_prompt_none_without_a_session_is_login_required_at_the_client(
    client: Browser, public_client: Client, settings: Any
) -> None:
    response = authorize(client, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s", prompt="none",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    assert response.status_code == 302
    query = urllib.parse.parse_qs(urllib.parse.urlparse(response["Location"]).query)
    # RFC 9207: the issuer is named in error responses too.
    assert query == {"error": ["login_required"], "state": ["s"],
                     "iss": [settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]]}
    assert response["Location"].startswith(REDIRECT)


def test_prompt_none_with_a_session_issues_a_code_silently(
    signed_in: Browser, public_client: Client
) -> None:
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s", prompt="none",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    assert response.status_code == 302
    assert "code=" in response["Location"]


def test_max_age_past_forces_a_new_sign_in(signed_in: Browser, public_client: Client) -> None:
    from govhub.identity.models import SignInSession

    SignInSession.objects.update(authenticated_at=timezone.now() - timedelta(hours=2))
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s", max_age="3600",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_client_introspects_only_its_own_tokens(
    client: Browser, machine: tuple[Client, str], tree: Any
) -> None:
    app, secret = machine
    other, other_secret = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Hệ thống khác",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
    assert other_secret is not None
    token = client.post("/o/token/", {"grant_type": "client_credentials"},
                        HTTP_AUTHORIZATION=basic(app.client_id, secret)).json()["access_token"]
    by_other = client.post("/o/introspect/", {"token": token},
                           HTTP_AUTHORIZATION=basic(other.client_id, other_secret)).json()
    assert by_other == {"active": False}


def test_only_code_flow_and_client_credentials_can_be_registered(tree: Any) -> None:
    from django.core.exceptions import ValidationError

    for grant in (Client.GRANT_IMPLICIT, Client.GRANT_OPENID_HYBRID, Client.GRANT_PASSWORD):
        with pytest.raises(ValidationError) as error:
            clients.register_client(actor=SYSTEM, agency=tree.department, name="Cũ",
                                     client_type=Client.CLIENT_CONFIDENTIAL,
                                     authorization_grant_type=grant,
                                     redirect_uris="https://x.example/cb")
        assert "authorization_grant_type" in error.value.message_dict


def test_max_age_zero_signs_in_again_once_without_looping(
    client: Browser, tree: Any, make_official: Any, public_client: Client
) -> None:
    from conftest import PASSWORD

    official = make_official(tree.commune_a, username="canbo.maxage")
    client.force_login(official)
    response = authorize(client, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s", max_age="0",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    login_url = response["Location"]
    assert login_url.startswith("/login/")
    next_url = urllib.parse.parse_qs(urllib.parse.urlparse(login_url).query)["next"][0]
    assert "max_age" not in next_url
    back = client.post(login_url, {"username": "canbo.maxage", "password": PASSWORD})
    assert back["Location"] == next_url
    final = client.get(next_url)
    assert "code=" in final["Location"]


def test_prompt_none_past_max_age_is_login_required(signed_in: Browser,
                                                     public_client: Client) -> None:
    from govhub.identity.models import SignInSession

    SignInSession.objects.update(authenticated_at=timezone.now() - timedelta(hours=2))
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid", redirect_uri=REDIRECT, state="s", max_age="60",
                         prompt="none", code_challenge=s256("v" * 50),
                         code_challenge_method="S256")
    assert "error=login_required" in response["Location"]


def test_a_public_client_cannot_introspect(client: Browser, tree: Any,
                                           public_client: Client,
                                           machine: tuple[Client, str]) -> None:
    app, secret = machine
    token = client.post("/o/token/", {"grant_type": "client_credentials"},
                        HTTP_AUTHORIZATION=basic(app.client_id, secret)).json()["access_token"]
    answer = client.post("/o/introspect/", {"token": token,
                                            "client_id": public_client.client_id})
    assert answer.status_code in (200, 401, 403)
    if answer.status_code == 200:
        assert answer.json() == {"active": False}


def test_acr_values_level_2_steps_up_a_level_1_sign_in(
    client: Browser, tree: Any, make_official: Any, public_client: Client
) -> None:
    from conftest import PASSWORD

    official = make_official(tree.commune_a, username="canbo.buoc2")
    client.post("/login/", {"username": "canbo.buoc2", "password": PASSWORD})
    params = {"client_id": public_client.client_id, "response_type": "code",
              "scope": "openid", "redirect_uri": REDIRECT, "state": "s",
              "acr_values": "urn:govhub:loa:2", "code_challenge": s256("v" * 50),
              "code_challenge_method": "S256"}
    to_login = authorize(client, **params)
    assert to_login["Location"].startswith("/login/")
    after_password = client.post(to_login["Location"], {"username": "canbo.buoc2",
                                                        "password": PASSWORD})
    # A password alone no longer completes the sign-in: the second factor comes next
    # (set up first, since this official has none).
    assert after_password["Location"].startswith("/login/second-factor/")
    assert official.sign_in_sessions.filter(ended_at__isnull=True).count() == 1

    silent = authorize(client, prompt="none", **params)
    assert "error=login_required" in silent["Location"]


def test_a_client_gets_only_the_scopes_registered_for_it(signed_in: Browser,
                                                         public_client: Client) -> None:
    # public_client was registered with the default, "openid profile".
    response = authorize(signed_in, client_id=public_client.client_id, response_type="code",
                         scope="openid profile agency", redirect_uri=REDIRECT, state="s",
                         code_challenge=s256("v" * 50), code_challenge_method="S256")
    assert response.status_code == 302
    query = urllib.parse.parse_qs(urllib.parse.urlparse(response["Location"]).query)
    assert query["error"] == ["invalid_scope"]


def test_unknown_scopes_cannot_be_registered(tree: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        clients.register_client(actor=SYSTEM, agency=tree.department, name="Lạ",
                                 client_type=Client.CLIENT_PUBLIC,
                                 authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
                                 redirect_uris=REDIRECT, allowed_scopes="openid tat_ca")
    assert "allowed_scopes" in error.value.message_dict


# --- systems calling the integration hub get RFC 9068 JWT access tokens -------------------

def token_for(browser: Browser, client_id: str, secret: str) -> dict[str, Any]:
    response = browser.post("/o/token/", {"grant_type": "client_credentials"},
                            HTTP_AUTHORIZATION=basic(client_id, secret))
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_client_credentials_token_is_a_jwt_verified_by_the_published_keys(
        client: Browser, machine: tuple[Client, str], settings: Any) -> None:
    app, secret = machine
    issued = token_for(client, app.client_id, secret)
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    # RFC 9068 checked with joserfc, an implementation independent of the one that signed.
    keys = KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())
    token = jose_jwt.decode(issued["access_token"], keys, algorithms=["RS256"])

    assert token.header["typ"] == "at+jwt"  # RFC 9068 §2.1
    assert token.claims["iss"] == settings.GOVHUB_PUBLIC_URL
    assert token.claims["aud"] == "govhub-gateway"
    assert token.claims["client_id"] == token.claims["sub"] == app.client_id
    assert token.claims["exp"] - token.claims["iat"] == issued["expires_in"]
    jose_jwt.JWTClaimsRegistry(iss={"essential": True, "value": settings.GOVHUB_PUBLIC_URL},
                          aud={"essential": True, "value": "govhub-gateway"}).validate(
        token.claims)


def test_a_jwt_access_token_is_still_introspected_and_revoked(
        client: Browser, machine: tuple[Client, str]) -> None:
    app, secret = machine
    token = token_for(client, app.client_id, secret)["access_token"]
    auth = basic(app.client_id, secret)

    assert client.post("/o/introspect/", {"token": token},
                       HTTP_AUTHORIZATION=auth).json()["active"] is True
    client.post("/o/revoke_token/", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert client.post("/o/introspect/", {"token": token},
                       HTTP_AUTHORIZATION=auth).json()["active"] is False


def test_two_tokens_differ(client: Browser, machine: tuple[Client, str]) -> None:
    app, secret = machine
    first = token_for(client, app.client_id, secret)["access_token"]
    second = token_for(client, app.client_id, secret)["access_token"]
    assert first != second  # jti: tokens are unique, so their checksums never collide
