"""Every API error is RFC 9457 problem+json, names the field when a field is wrong, and bad
input never yields a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from govhub.identity.people import roles

PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("http")
    assert "Traceback" not in response.content.decode()
    return body


@pytest.fixture
def admin_client(client: Client, tree: Any, make_official: Any) -> Client:
    client.force_login(make_official(tree.province, roles.PLATFORM_ADMIN))
    return client


def _operations_with_body(client: Client) -> list[tuple[str, str]]:
    """Every operation a signed-in session may call with a body. The gateways' own operations
    take a gateway token instead (integration/tests/test_gateway_api.py checks their bodies)."""
    spec = json.loads(client.get("/api/openapi.json").content)
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            schemes = {name for entry in operation.get("security", []) for name in entry}
            if "requestBody" in operation and "GatewayToken" not in schemes:
                found.append((method, path.replace("{", "").replace("}", "")))
    return found


def _concrete(path: str, tree: Any) -> str:
    # Real ids, so each request reaches body parsing rather than stopping at a 404.
    for name in ("agency_id", "account_id", "assignment_id"):
        path = path.replace(name, str(tree.commune_a.pk))
    return path


def test_openapi_document_lists_the_operations(client: Client) -> None:
    response = client.get("/api/openapi.json")
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert "/api/identity/accounts" in spec["paths"]


def test_malformed_json_on_every_operation_is_a_400_problem(
    admin_client: Client, tree: Any
) -> None:
    operations = _operations_with_body(admin_client)
    assert len(operations) >= 4
    for method, path in operations:
        response = getattr(admin_client, method)(
            _concrete(path, tree), data="{not json", content_type="application/json")
        body = problem(response, 400)
        assert body["type"].endswith("/problems/malformed-request"), (method, path)


def test_unknown_field_on_every_operation_is_named(admin_client: Client, tree: Any) -> None:
    for method, path in _operations_with_body(admin_client):
        response = getattr(admin_client, method)(
            _concrete(path, tree), data={"tên_lạ": 1}, content_type="application/json")
        body = problem(response, 422)
        assert "tên_lạ" in {e["field"] for e in body["errors"]}, (method, path, body)


def test_invalid_field_names_the_field_in_vietnamese(admin_client: Client, tree: Any) -> None:
    response = admin_client.post(
        "/api/identity/agencies",
        data={"kind": "spaceship", "parent_id": str(tree.province.pk)},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi",
    )
    body = problem(response, 422)
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) >= {"kind", "name"}
    assert fields["kind"]["pointer"] == "#/kind"
    assert fields["name"]["code"] == "missing"
    assert fields["name"]["detail"] != "Field required"  # translated, not pydantic's English


def test_model_rule_violation_is_a_422_on_that_field(admin_client: Client, tree: Any) -> None:
    response = admin_client.post(
        "/api/identity/agencies",
        data={"kind": "unit", "name": "Phòng thử", "parent_id": str(tree.department.pk),
              "electronic_id_code": "H12-sai-dinh-dang"},
        content_type="application/json",
    )
    body = problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["electronic_id_code"]


def test_invalid_query_parameter_is_named(admin_client: Client) -> None:
    body = problem(admin_client.get("/api/identity/agencies?page=0"), 422)
    assert body["errors"][0]["field"] == "page"
    body = problem(admin_client.get("/api/identity/agencies?kind=galaxy"), 422)
    assert body["errors"][0]["field"] == "kind"


@pytest.mark.django_db
def test_anonymous_gets_401(client: Client) -> None:
    body = problem(client.get("/api/identity/accounts"), 401)
    assert body["type"].endswith("/problems/not-authenticated")


def test_missing_permission_gets_403(client: Client, tree: Any, make_official: Any) -> None:
    client.force_login(make_official(tree.committee, roles.LEADER))
    response = client.post("/api/identity/agencies", content_type="application/json",
                           data={"kind": "unit", "name": "Phòng mới",
                                 "parent_id": str(tree.committee.pk)})
    # The parent is outside the leader's manage scope, reported on the field …
    problem(response, 422)
    # … and a direct change of a visible agency is refused outright.
    response = client.patch(f"/api/identity/agencies/{tree.committee.pk}",
                            data={"name": "Đổi tên"}, content_type="application/json")
    problem(response, 403)


def test_unknown_url_and_id_get_404(admin_client: Client) -> None:
    problem(admin_client.get("/api/khong-co"), 404)
    problem(admin_client.get("/api/identity/accounts/00000000-0000-0000-0000-000000000000"), 404)


def test_wrong_method_gets_405_with_allow(admin_client: Client) -> None:
    response = admin_client.put("/api/identity/agencies", data={}, content_type="application/json")
    problem(response, 405)
    assert "GET" in response["Allow"]


def test_rate_limit_gets_429_with_retry_after(admin_client: Client) -> None:
    cache.clear()
    with override_settings(GOVHUB_API_RATES={"anonymous": "2/min", "authenticated": "2/min"}):
        for _ in range(2):
            assert admin_client.get("/api/identity/me").status_code == 200
        response = admin_client.get("/api/identity/me")
    body = problem(response, 429)
    assert body["retryable"] is True
    assert 1 <= int(response["Retry-After"]) <= 60
    cache.clear()


@pytest.mark.parametrize("credentials", [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}],
                         ids=["no-credentials", "wrong-bearer-token"])
def test_failed_authentication_counts_against_the_anonymous_rate(
    client: Client, tree: Any, make_official: Any, credentials: dict[str, str]
) -> None:
    cache.clear()
    with override_settings(GOVHUB_API_RATES={"anonymous": "3/min", "authenticated": "5/min"}):
        for _ in range(3):
            problem(client.get("/api/identity/accounts", **credentials), 401)
        response = client.get("/api/identity/accounts", **credentials)
        body = problem(response, 429)
        assert body["type"].endswith("/problems/rate-limited")
        assert 1 <= int(response["Retry-After"]) <= 60
        # A signed-in caller from the same address keeps its own, untouched limit.
        official = Client()
        official.force_login(make_official(tree.province, roles.PLATFORM_ADMIN))
        for _ in range(5):
            assert official.get("/api/identity/me").status_code == 200
        problem(official.get("/api/identity/me"), 429)
    cache.clear()


def test_unexpected_failure_is_a_500_problem_without_trace(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("govhub.identity.queries.agencies", broken)
    body = problem(admin_client.get("/api/identity/agencies"), 500)
    assert body["fault_origin"] == "platform"
    assert "on fire" not in json.dumps(body)


def test_request_id_is_echoed_in_problem_and_header(client: Client, db: Any) -> None:
    response = client.get("/api/identity/me", HTTP_X_REQUEST_ID="abc-123")
    assert problem(response, 401)["request_id"] == "abc-123"
    assert response["X-Request-Id"] == "abc-123"
    hostile = client.get("/api/identity/me", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")
    assert hostile["X-Request-Id"] != "x\r\nSet-Cookie: a=b"


def test_problem_types_are_documented(client: Client, db: Any) -> None:
    body = problem(client.get("/api/identity/me"), 401)
    page = client.get(body["type"].removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert b"401" in page.content


def test_openapi_document_is_valid_per_an_independent_validator(client: Client) -> None:
    from openapi_spec_validator import validate

    validate(json.loads(client.get("/api/openapi.json").content))


def test_gateway_problem_types_are_documented_at_the_control_plane(client: Client,
                                                                   db: Any) -> None:
    from govhub_contracts import gateway_problems

    for kind in gateway_problems.ALL:
        page = client.get(f"/problems/{kind.slug}")
        assert page.status_code == 200, kind.slug
        assert kind.fault_origin.value.encode() in page.content


# With the default page size of 20, page 461168601842738791 ends past row 2**63 - 1.
@pytest.mark.parametrize("page", ["9223372036854775807", "461168601842738791", "10" * 30])
def test_a_page_number_past_any_possible_offset_is_a_400_naming_it(admin_client: Client,
                                                                    page: str) -> None:
    body = problem(admin_client.get(f"/api/identity/agencies?page={page}"), 400)
    assert [e["field"] for e in body["errors"]] == ["page"]
    assert body["errors"][0]["pointer"] == "#/query/page"


@pytest.mark.parametrize("page", ["1000000", "461168601842738790"])
def test_a_page_past_the_last_one_is_still_an_empty_page(admin_client: Client,
                                                         page: str) -> None:
    response = admin_client.get(f"/api/identity/agencies?page={page}")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["items"] == []


def _openapi(client: Client) -> dict[str, Any]:
    return json.loads(client.get("/api/openapi.json").content)  # type: ignore[no-any-return]


def _operation_for(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The operation of ``spec`` whose templated path matches the concrete ``path``."""
    import re

    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method in operations:
            return operations[method]  # type: ignore[no-any-return]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def test_every_operation_declares_the_problems_it_can_return(client: Client, db: Any) -> None:
    spec = _openapi(client)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    assert spec["components"]["schemas"]["Problem"]["required"] == ["title", "status"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"429"}
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path:
                expected.add("404")
            if method in ("post", "patch", "put", "delete"):
                expected.add("409")
            if "requestBody" in operation:
                expected |= {"400", "422"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                content = responses[status]["content"]
                assert content == {PROBLEM: {"schema": problem_ref}}, (method, path, status)


def test_problems_the_api_returns_are_declared_and_match_the_declared_schema(
    admin_client: Client, tree: Any, make_citizen: Any
) -> None:
    """Each kind of problem, provoked for real, is among its operation's declared responses
    and validates against the document's own schema (jsonschema, an independent validator)."""
    from jsonschema import Draft202012Validator

    spec = _openapi(admin_client)
    anonymous, citizen = Client(), Client()
    citizen.force_login(make_citizen(tree.commune_a))
    nobody = "00000000-0000-0000-0000-000000000000"
    calls = [
        (admin_client, "patch", f"/api/identity/agencies/{tree.commune_a.pk}", "{not json", 400),
        (admin_client, "get", "/api/identity/agencies?page=9223372036854775807", None, 400),
        (anonymous, "get", "/api/identity/accounts", None, 401),
        (citizen, "get", "/api/identity/roles", None, 403),
        (admin_client, "get", f"/api/identity/accounts/{nobody}", None, 404),
        (admin_client, "get", "/api/identity/agencies?kind=galaxy", None, 422),
        (admin_client, "post", "/api/identity/agencies", json.dumps({"kind": "ward"}), 422),
    ]
    validator = Draft202012Validator({**spec, "$ref": "#/components/schemas/Problem"})
    for caller, method, path, body, status in calls:
        kwargs = {"data": body, "content_type": "application/json"} if body else {}
        response = getattr(caller, method)(path, **kwargs)
        answer = problem(response, status)
        declared = _operation_for(spec, method, path.split("?")[0])["responses"]
        assert str(status) in declared, (method, path, status, sorted(declared))
        assert list(declared[str(status)]["content"]) == [PROBLEM]
        validator.validate(answer)
    # 409: a gateway resends a sequence it already shipped, with another hash.
    from govhub.integration.services.gateways import register_gateway
    from govhub.integration.tests.chain import make_chain
    from govhub.kernel.actors import SYSTEM

    _gateway, token = register_gateway(actor=SYSTEM, code="gw-openapi", name="Gateway")
    first, other = make_chain("gw-openapi", 1)[0], make_chain("gw-openapi", 2)[1]
    other = other.model_copy(update={"sequence": 1})
    for record, status in ((first, 200), (other, 409)):
        response = anonymous.post(
            "/api/integration/gateway/evidence", content_type="application/json",
            data=json.dumps({"records": [record.model_dump(mode="json")]}),
            HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == status, response.content
    declared = _operation_for(spec, "post", "/api/integration/gateway/evidence")["responses"]
    assert "409" in declared
    validator.validate(problem(response, 409))
    cache.clear()
    with override_settings(GOVHUB_API_RATES={"anonymous": "1/min", "authenticated": "1/min"}):
        admin_client.get("/api/identity/roles")
        answer = problem(admin_client.get("/api/identity/roles"), 429)
    cache.clear()
    assert "429" in _operation_for(spec, "get", "/api/identity/roles")["responses"]
    validator.validate(answer)
