"""The whole login flow against the sandbox VNeID, driven by pyoidc (``oic``), an
OpenID-certified relying party: discovery, authorization with PKCE S256, the token exchange
with ID token verification against the JWKS, and the user info."""

import base64
import json

import pytest
import requests
from jwkest import BadSignature
from jwkest.jws import left_hash
from oic.oauth2.message import ErrorResponse
from oic.oic.message import AccessTokenResponse, IdToken, OpenIDSchema

from govhub_sandbox.tests.conftest import CLIENT_ID, HUNG, PHUC, RelyingParty
from govhub_sandbox.vneid import SandboxConfig
from govhub_sandbox.vneid.server import RunningProvider, start_in_thread


def test_discovery_document_is_accepted_by_oic(rp: RelyingParty) -> None:
    info = rp.oic.provider_info
    assert info["issuer"] == rp.issuer
    assert info["response_types_supported"] == ["code"]
    assert info["code_challenge_methods_supported"] == ["S256"]
    assert info["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(info["scopes_supported"]) == {"openid", "profile", "vneid"}
    assert info["acr_values_supported"] == ["vneid:level1", "vneid:level2"]
    assert {"SoDinhDanh", "HoVaTen", "NgaySinh"} <= set(info["claims_supported"])
    assert info["end_session_endpoint"] == f"{rp.issuer}/logout"
    # provider_config loaded the signing key from jwks_uri into oic's key jar.
    assert rp.oic.keyjar.get_signing_key("RSA", owner=rp.issuer)


@pytest.mark.parametrize("authn_method", ["client_secret_basic", "client_secret_post"])
def test_full_login_flow_with_pkce(rp: RelyingParty, authn_method: str) -> None:
    login = rp.begin()
    rp.code_for(login, HUNG)

    # oic sends the token request, then checks the ID token: RS256 signature against the
    # JWKS, iss, aud, exp/iat and at_hash.
    tokens = rp.oic.do_access_token_request(
        state=login.state, authn_method=authn_method,
        request_args={"code_verifier": login.verifier, "redirect_uri": login.request[
            "redirect_uri"]})
    assert isinstance(tokens, AccessTokenResponse), tokens.to_dict()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] > 0
    id_token = tokens["id_token"]
    assert isinstance(id_token, IdToken)
    rp.oic.verify_id_token(id_token, login.request)  # nonce, acr_values (OIDC Core §3.1.3.7)
    assert id_token["nonce"] == login.nonce
    assert id_token["iss"] == rp.issuer
    assert id_token["aud"] == [CLIENT_ID]
    assert id_token["acr"] == "vneid:level2"
    assert id_token.jws_header["alg"] == "RS256"
    # OIDC Core §3.1.3.6 at_hash, computed by jwkest (oic checks it in the implicit flow only).
    assert id_token["at_hash"] == left_hash(tokens["access_token"], "HS256")
    assert HUNG not in json.dumps(id_token.to_dict())  # no ID number in the ID token

    # oic checks that the user info's sub equals the ID token's.
    info = rp.oic.do_user_info_request(state=login.state, method="GET")
    assert isinstance(info, OpenIDSchema)
    assert not isinstance(info, ErrorResponse)
    assert info["sub"] == id_token["sub"] != HUNG
    assert info["SoDinhDanh"] == HUNG
    assert info["HoVaTen"] == "Nguyễn Văn Hùng"
    assert info["NgaySinh"] == "1985-03-12"
    assert info["GioiTinh"] == "Nam"
    assert info["SoDienThoai"] == "0900000101"
    assert info["level"] == 2
    assert info["acr"] == "vneid:level2"


def test_userinfo_by_post_with_token_in_body(rp: RelyingParty) -> None:
    login = rp.begin()
    rp.code_for(login, PHUC)
    rp.oic.do_access_token_request(state=login.state, request_args={
        "code_verifier": login.verifier, "redirect_uri": login.request["redirect_uri"]})
    info = rp.oic.do_user_info_request(state=login.state)  # oic's default: POST, form body
    assert info["HoVaTen"] == "Lê Hoàng Phúc"
    assert info["level"] == 1
    assert info["acr"] == "vneid:level1"
    assert "SoDienThoai" not in info  # not known for this citizen


def test_scopes_limit_the_user_info(rp: RelyingParty) -> None:
    login = rp.begin(scope="openid profile")
    rp.code_for(login)
    rp.oic.do_access_token_request(state=login.state, request_args={
        "code_verifier": login.verifier, "redirect_uri": login.request["redirect_uri"]})
    info = rp.oic.do_user_info_request(state=login.state, method="GET")
    assert info["HoVaTen"] == "Nguyễn Văn Hùng"
    assert "SoDinhDanh" not in info
    assert "SoDienThoai" not in info


def test_oic_rejects_a_tampered_id_token(rp: RelyingParty) -> None:
    """The signature check is real: change one claim and oic refuses the token."""
    login = rp.begin()
    code = rp.code_for(login)
    body = rp.token_request(code=code, code_verifier=login.verifier).json()
    header, payload, signature = body["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    original = AccessTokenResponse(**body)
    assert original.verify(keyjar=rp.oic.keyjar, client_id=CLIENT_ID, iss=rp.issuer)
    tampered = AccessTokenResponse(**{**body, "id_token": f"{header}.{forged}.{signature}"})
    with pytest.raises(BadSignature):
        tampered.verify(keyjar=rp.oic.keyjar, client_id=CLIENT_ID, iss=rp.issuer)


def test_sub_is_stable_across_logins_and_is_not_the_id_number(rp: RelyingParty) -> None:
    subjects = []
    for citizen in (HUNG, HUNG, PHUC):
        login = rp.begin()
        rp.code_for(login, citizen)
        tokens = rp.oic.do_access_token_request(state=login.state, request_args={
            "code_verifier": login.verifier, "redirect_uri": login.request["redirect_uri"]})
        subjects.append(tokens["id_token"]["sub"])
    assert subjects[0] == subjects[1]  # the same citizen twice
    assert subjects[2] != subjects[0]  # another citizen
    assert HUNG not in subjects[0]
    assert PHUC not in subjects[2]


def test_token_503_then_recovers(rp: RelyingParty, provider: RunningProvider) -> None:
    faults = f"{provider.issuer}/_sandbox/faults"
    requests.post(faults, json={"token": {"fail": True}}, timeout=5).raise_for_status()
    assert requests.get(faults, timeout=5).json() == {
        "token": {"delay_seconds": 0.0, "fail": True, "fail_next": 0}}
    login = rp.begin()
    code = rp.code_for(login)
    failed = rp.token_request(code=code, code_verifier=login.verifier)
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "1"
    assert failed.json()["error"] == "temporarily_unavailable"

    requests.delete(faults, timeout=5).raise_for_status()
    # The outage did not spend the code: the retry succeeds, through oic.
    tokens = rp.oic.do_access_token_request(state=login.state, request_args={
        "code_verifier": login.verifier, "redirect_uri": login.request["redirect_uri"]})
    assert tokens["id_token"]["acr"] == "vneid:level2"


def test_fail_next_recovers_by_itself_and_delay_slows(rp: RelyingParty,
                                                      provider: RunningProvider) -> None:
    faults = f"{provider.issuer}/_sandbox/faults"
    requests.post(faults, json={"userinfo": {"fail_next": 1, "delay_seconds": 0.3}},
                  timeout=5).raise_for_status()
    login = rp.begin()
    code = rp.code_for(login)
    access_token = rp.token_request(code=code, code_verifier=login.verifier).json()[
        "access_token"]
    headers = {"Authorization": f"Bearer {access_token}"}
    first = requests.get(f"{provider.issuer}/userinfo", headers=headers, timeout=5)
    second = requests.get(f"{provider.issuer}/userinfo", headers=headers, timeout=5)
    assert first.status_code == 503
    assert second.status_code == 200
    assert second.json()["SoDinhDanh"] == HUNG
    assert second.elapsed.total_seconds() >= 0.3
    with pytest.raises(requests.Timeout):  # a client with a short timeout gives up
        requests.get(f"{provider.issuer}/userinfo", headers=headers, timeout=0.1)


def test_bad_fault_settings_are_refused(provider: RunningProvider) -> None:
    faults = f"{provider.issuer}/_sandbox/faults"
    for body in ({"jwks": {"fail": True}}, {"token": {"delay_seconds": -1}},
                 {"token": {"fail": "yes"}}, {"token": {"colour": "red"}}):
        response = requests.post(faults, json=body, timeout=5)
        assert response.status_code == 400, body
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert requests.get(faults, timeout=5).json() == {}


def test_fault_admin_needs_the_admin_token_when_one_is_set() -> None:
    with start_in_thread(SandboxConfig(admin_token="sandbox-admin")) as running:
        faults = f"{running.issuer}/_sandbox/faults"
        body = {"token": {"fail": True}}
        assert requests.post(faults, json=body, timeout=5).status_code == 401
        wrong = {"Authorization": "Bearer guess"}
        assert requests.post(faults, json=body, headers=wrong, timeout=5).status_code == 401
        right = {"Authorization": "Bearer sandbox-admin"}
        assert requests.post(faults, json=body, headers=right, timeout=5).status_code == 200
        assert requests.post(f"{running.issuer}/token", timeout=5).status_code == 503
