"""Acceptance: an administrator of one commune cannot see or change another commune's
accounts or roles through the API — both directions, every built-in role — and each role
can do what its permissions say inside its own scope.

Every request goes through the real URL, middleware and session authentication
(``client.force_login``), so a scope check missing anywhere on the path fails a test here.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from govhub.identity.models import Account, Role, RoleAssignment
from govhub.identity.people import roles
from govhub_contracts.problem import MEDIA_TYPE
from tests.support.scope_matrix import SCOPED_ROLES, Scene, ids, permissions_of

API = "/api/identity"

def test_the_matrix_covers_every_builtin_role_but_the_platform_wide_one() -> None:
    codes = {r.code for r in roles.BUILTIN_ROLES}
    assert set(SCOPED_ROLES) == codes - {roles.PLATFORM_ADMIN}
    # The roles the brief names as having no account-related permission at all.
    without_accounts = {c for c in SCOPED_ROLES if roles.VIEW_ACCOUNT not in permissions_of(c)}
    assert without_accounts == {roles.LEADER, roles.SECRETARY, roles.SCHEDULE_EDITOR,
                                roles.REPORT_HANDLER, roles.INTEGRATION_OPERATOR}


# --- Helpers ----------------------------------------------------------------------------

def call(client: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body, default=str), "content_type": "application/json"}
    return getattr(client, method)(f"{API}{path}", **kwargs)


def problem(response: Any, status: int) -> dict[str, Any]:
    """Assert ``response`` is an RFC 9457 problem with ``status``; return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].endswith("/problems/" + {
        403: "permission-denied", 404: "not-found", 422: "validation-error",
    }[status])
    assert body["title"]
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    """The ``field`` of each entry in ``errors``, after checking each entry's shape."""
    assert isinstance(body.get("errors"), list)
    assert body["errors"]
    for error in body["errors"]:
        assert set(error) >= {"field", "pointer", "detail"}
        assert error["pointer"] == (f"#/{error['field']}" if error["field"] else "#")
        assert error["detail"]
    return [e["field"] for e in body["errors"]]


def listed_ids(client: Any, path: str) -> set[str]:
    response = call(client, "get", f"{path}{'&' if '?' in path else '?'}page_size=100")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["count"] == len(body["items"])  # everything fits on one page
    return {item["id"] for item in body["items"]}


# --- The other commune is invisible and untouchable -------------------------------------
# One test per concern, each checking several ways in, so the 12 (role, direction) cases
# stay fast; an assertion message names the way in that failed.

def test_the_other_communes_accounts_and_roles_cannot_be_seen(
    client: Any, scene: Scene
) -> None:
    accounts = listed_ids(client, "/accounts")
    assert not accounts & ids(*scene.other_accounts()), "account list"
    assignments = listed_ids(client, "/role-assignments")
    assert str(scene.other_assignment.pk) not in assignments, "role-assignment list"
    if scene.sees_accounts:
        assert accounts >= ids(scene.own_official, scene.own_citizen, scene.actor)
        assert str(scene.own_assignment.pk) in assignments
    else:
        # No account permission: nothing at all, not even in the actor's own commune.
        assert accounts == set()
        assert assignments == set()

    # Filters and search cannot reach across either.
    assert listed_ids(client, f"/accounts?agency_id={scene.other.pk}") == set()
    for account in scene.other_accounts():
        assert listed_ids(client, f"/accounts?q={account.username}") == set(), "search"
    assert listed_ids(client, f"/role-assignments?agency_id={scene.other.pk}") == set()
    assert listed_ids(client, f"/role-assignments?account_id={scene.other_official.pk}") == set()

    # One by one: 404, exactly like an id that does not exist.
    missing = problem(call(client, "get", f"/accounts/{uuid.uuid4()}"), 404)
    for account in scene.other_accounts():
        body = problem(call(client, "get", f"/accounts/{account.pk}"), 404)
        assert account.username not in json.dumps(body)
        assert {k: body[k] for k in ("type", "title")} == {
            k: missing[k] for k in ("type", "title")}
    own = call(client, "get", f"/accounts/{scene.own_citizen.pk}")
    if scene.sees_accounts:
        assert own.status_code == 200
        assert json.loads(own.content)["username"] == scene.own_citizen.username
    else:
        problem(own, 404)


def test_the_other_communes_accounts_cannot_be_changed_or_created(
    client: Any, scene: Scene
) -> None:
    for account in scene.other_accounts():
        problem(call(client, "patch", f"/accounts/{account.pk}",
                     {"full_name": "Đã bị sửa", "is_active": False}), 404)
        account.refresh_from_db()
        assert account.full_name != "Đã bị sửa"
        assert account.is_active

    # Moving an account of the actor's own commune over there is refused too.
    response = call(client, "patch", f"/accounts/{scene.own_official.pk}",
                    {"agency_id": str(scene.other.pk)})
    if scene.sees_accounts:
        assert error_fields(problem(response, 422)) == ["agency_id"]
    else:
        problem(response, 404)
    scene.own_official.refresh_from_db()
    assert scene.own_official.agency_id == scene.home.pk

    official = call(client, "post", "/accounts", {
        "username": "nguoi-la-1", "full_name": "Người lạ", "kind": "official",
        "agency_id": str(scene.other.pk),
    })
    assert error_fields(problem(official, 422)) == ["agency_id"]
    citizen = call(client, "post", "/accounts", {
        "username": "nguoi-la-2", "full_name": "Người lạ", "kind": "citizen",
        "commune_id": str(scene.other.pk),
    })
    assert error_fields(problem(citizen, 422)) == ["commune_id"]
    assert not Account.objects.filter(username__startswith="nguoi-la").exists()


def test_the_other_communes_roles_cannot_be_granted_or_revoked(
    client: Any, scene: Scene
) -> None:
    before = RoleAssignment.objects.count()
    attempts = [
        # A stranger, in the stranger's commune.
        (scene.other_official, scene.other, "account_id"),
        # A stranger, in the actor's own commune (would let them in here).
        (scene.other_official, scene.home, "account_id"),
        # Someone of the actor's own commune, in the other commune: refused on the agency
        # when the actor may see the account at all, on the account otherwise.
        (scene.own_official, scene.other, "agency_id" if scene.sees_accounts else "account_id"),
    ]
    for account, agency, field in attempts:
        response = call(client, "post", "/role-assignments", {
            "account_id": str(account.pk), "role": roles.REPORT_HANDLER,
            "agency_id": str(agency.pk),
        })
        assert error_fields(problem(response, 422)) == [field]
    assert RoleAssignment.objects.count() == before

    problem(call(client, "delete", f"/role-assignments/{scene.other_assignment.pk}"), 404)
    assert RoleAssignment.objects.filter(pk=scene.other_assignment.pk).exists()


# --- The platform administrator is platform-wide ----------------------------------------

def test_platform_admin_sees_and_manages_both_communes(
    client: Any, tree: Any, make_official: Any, make_citizen: Any
) -> None:
    admin = make_official(tree.commune_a, roles.PLATFORM_ADMIN)
    people = {
        commune: (make_official(commune, roles.LEADER), make_citizen(commune))
        for commune in (tree.commune_a, tree.commune_b)
    }
    client.force_login(admin)
    everyone = [account for pair in people.values() for account in pair]
    assert listed_ids(client, "/accounts") >= ids(*everyone)
    assert listed_ids(client, "/role-assignments") >= {
        str(a.pk) for a in RoleAssignment.objects.filter(account__in=everyone)
    }
    for account in everyone:
        assert call(client, "get", f"/accounts/{account.pk}").status_code == 200
    official_b = people[tree.commune_b][0]
    response = call(client, "patch", f"/accounts/{official_b.pk}", {"position": "Chủ tịch"})
    assert response.status_code == 200, response.content
    official_b.refresh_from_db()
    assert official_b.position == "Chủ tịch"


# --- What an agency administrator may do in its own scope -------------------------------

def test_agency_admin_reads_its_communes_officials_and_citizens(
    client: Any, tree: Any, commune_admin: Account, make_official: Any, make_citizen: Any
) -> None:
    official, citizen = make_official(tree.commune_a), make_citizen(tree.commune_a)
    assert listed_ids(client, "/accounts") == ids(commune_admin, official, citizen)
    for account in (official, citizen):
        body = json.loads(call(client, "get", f"/accounts/{account.pk}").content)
        assert body["id"] == str(account.pk)


def test_agency_admin_creates_and_updates_accounts_in_its_commune(
    client: Any, tree: Any, commune_admin: Account
) -> None:
    response = call(client, "post", "/accounts", {
        "username": "canbo-moi", "full_name": "Cán bộ mới", "kind": "official",
        "agency_id": str(tree.commune_a.pk), "position": "Công chức",
    })
    assert response.status_code == 201, response.content
    official = Account.objects.get(username="canbo-moi")
    assert official.agency_id == tree.commune_a.pk

    response = call(client, "post", "/accounts", {
        "username": "congdan-moi", "full_name": "Công dân mới", "kind": "citizen",
        "commune_id": str(tree.commune_a.pk), "phone": "0912345678",
    })
    assert response.status_code == 201, response.content
    citizen = Account.objects.get(username="congdan-moi")
    assert citizen.commune_id == tree.commune_a.pk
    assert citizen.agency_id is None

    for account in (official, citizen):
        response = call(client, "patch", f"/accounts/{account.pk}",
                        {"full_name": "Tên đã đổi"})
        assert response.status_code == 200, response.content
        account.refresh_from_db()
        assert account.full_name == "Tên đã đổi"


def test_agency_admin_grants_and_revokes_a_role_in_its_commune(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    response = call(client, "post", "/role-assignments", {
        "account_id": str(official.pk), "role": roles.SCHEDULE_EDITOR,
        "agency_id": str(tree.commune_a.pk),
    })
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert body["role"] == roles.SCHEDULE_EDITOR
    assignment = RoleAssignment.objects.get(pk=body["id"])
    assert (assignment.account_id, assignment.agency_id) == (official.pk, tree.commune_a.pk)
    assert assignment.granted_by_id == commune_admin.pk

    response = call(client, "delete", f"/role-assignments/{assignment.pk}")
    assert response.status_code == 204
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_agency_admin_cannot_grant_the_platform_admin_role(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    body = problem(call(client, "post", "/role-assignments", {
        "account_id": str(official.pk), "role": roles.PLATFORM_ADMIN,
        "agency_id": str(tree.commune_a.pk),
    }), 403)
    assert body["detail"]
    assert not RoleAssignment.objects.filter(account=official).exists()
    assert Role.objects.get(code=roles.PLATFORM_ADMIN).is_global


def test_agency_admin_cannot_grant_a_role_to_themselves(
    client: Any, tree: Any, commune_admin: Account
) -> None:
    problem(call(client, "post", "/role-assignments", {
        "account_id": str(commune_admin.pk), "role": roles.SCHEDULE_EDITOR,
        "agency_id": str(tree.commune_a.pk),
    }), 403)
    assert list(RoleAssignment.objects.filter(account=commune_admin)
                .values_list("role__code", flat=True)) == [roles.AGENCY_ADMIN]


@pytest.mark.parametrize(("where", "sees", "does_not_see"), [
    ("province", ["province", "committee", "department", "unit", "commune_a", "commune_b"], []),
    ("committee", ["committee", "department", "unit"], ["province", "commune_a", "commune_b"]),
])
def test_a_higher_agency_admin_sees_the_subtree_below(
    client: Any, tree: Any, make_official: Any, make_citizen: Any,
    where: str, sees: list[str], does_not_see: list[str],
) -> None:
    officials = {name: make_official(getattr(tree, name), roles.LEADER)
                 for name in ("province", "committee", "department", "unit",
                              "commune_a", "commune_b")}
    citizens = {name: make_citizen(getattr(tree, name)) for name in ("commune_a", "commune_b")}
    admin = make_official(getattr(tree, where), roles.AGENCY_ADMIN)
    client.force_login(admin)

    listed = listed_ids(client, "/accounts")
    assert listed >= ids(*(officials[n] for n in sees))
    assert not listed & ids(*(officials[n] for n in does_not_see))
    visible_citizens = ids(*(c for n, c in citizens.items() if n in sees))
    hidden_citizens = ids(*(c for n, c in citizens.items() if n not in sees))
    assert listed >= visible_citizens
    assert not listed & hidden_citizens

    assignments = listed_ids(client, "/role-assignments")
    for name, official in officials.items():
        pk = str(RoleAssignment.objects.get(account=official).pk)
        assert (pk in assignments) == (name in sees), name

    # … and may manage the subtree's accounts, e.g. the unit's official.
    unit_official = officials["unit"]
    response = call(client, "patch", f"/accounts/{unit_official.pk}", {"position": "Giám đốc"})
    assert response.status_code == 200, response.content
    for name in does_not_see:
        problem(call(client, "patch", f"/accounts/{officials[name].pk}",
                     {"position": "Giám đốc"}), 404)


# --- Problem shape for a malformed request ----------------------------------------------

def test_an_invalid_body_names_each_field_with_a_pointer(
    client: Any, commune_admin: Account
) -> None:
    body = problem(call(client, "post", "/accounts", {
        "full_name": "", "agency_id": "không-phải-uuid", "colour": "xanh",
    }), 422)
    assert set(error_fields(body)) == {"username", "full_name", "agency_id", "colour"}
    assert not Account.objects.filter(full_name="").exists()
