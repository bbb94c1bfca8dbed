"""Acceptance: an administrator of one commune cannot see or change another commune's
accounts or roles through the web admin — both directions, every built-in role — and an
agency administrator can do its work there in its own scope.

What Django's admin answers for an object outside the user's queryset depends on the
user's model-level permission (``ModelAdmin._changeform_view``/``_delete_view``):

* a user who may view/change the model at all (agency administrator) gets the same
  302 → admin index ("… doesn't exist") as for an id that does not exist;
* a user who may not view the model at all gets 403.

Every built-in role opens the admin (they all hold ``identity.view_agency``), so 403 here
comes from the model admin, not from the login page.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from govhub.identity.audit_actions import IdentityAction
from govhub.identity.models import Account, Role, RoleAssignment
from govhub.identity.people import roles
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.models import AuditEntry
from tests.support.scope_matrix import Scene, ids

ADMIN_INDEX = "/admin/"
ACCOUNTS = "/admin/identity/account/"
ASSIGNMENTS = "/admin/identity/roleassignment/"

# --- Form data as the admin page renders it ---------------------------------------------

def _field_value(value: Any) -> str | None:
    """How a browser submits a bound field's rendered value (None: not submitted)."""
    if isinstance(value, bool):
        return "on" if value else None
    return "" if value is None else str(value)


def page_form_data(response: Any) -> dict[str, str]:
    """Everything the change/add page's form would POST back unchanged: the main form's
    values and, for each inline, its management form and each row's hidden fields."""
    assert response.status_code == 200
    data: dict[str, str] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = _field_value(bound.value())
            if value is not None:
                data[bound.html_name] = value
    return data


def account_form_data(account: Account, **overrides: Any) -> dict[str, str]:
    """The change form's POST for ``account``, built without opening its page (for users
    who may not open it). Checked against the rendered page in
    :func:`test_explicit_form_data_matches_the_rendered_change_page`."""
    assignments = list(RoleAssignment.objects.filter(account=account).order_by(
        "agency__path", "role__name"))
    fields: dict[str, Any] = {
        "username": account.username, "full_name": account.full_name, "kind": account.kind,
        "is_active": account.is_active, "phone": account.phone, "email": account.email,
        "agency": account.agency_id, "position": account.position,
        "commune": account.commune_id, "assurance_level": account.assurance_level,
        "personal_id_number": None, "new_password": None,
        "role_assignments-TOTAL_FORMS": len(assignments),
        "role_assignments-INITIAL_FORMS": len(assignments),
        "role_assignments-MIN_NUM_FORMS": 0, "role_assignments-MAX_NUM_FORMS": 0,
    }
    for index, assignment in enumerate(assignments):
        fields[f"role_assignments-{index}-id"] = assignment.pk
        fields[f"role_assignments-{index}-account"] = account.pk
    fields.update(overrides)
    data = {name: _field_value(value) for name, value in fields.items()}
    return {name: value for name, value in data.items() if value is not None}


def new_account_data(**fields: Any) -> dict[str, str]:
    data = {"username": "", "full_name": "", "kind": "official", "is_active": "on",
            "phone": "", "email": "", "agency": "", "position": "", "commune": "",
            "assurance_level": "0", "personal_id_number": "", "new_password": "",
            "role_assignments-TOTAL_FORMS": "0", "role_assignments-INITIAL_FORMS": "0",
            "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "0"}
    data.update({k: str(v) for k, v in fields.items()})
    return data


def assignment_data(account: Account, role_code: str, agency: Any) -> dict[str, str]:
    return {"account": str(account.pk), "role": str(Role.objects.get(code=role_code).pk),
            "agency": str(agency.pk), "valid_until_0": "", "valid_until_1": ""}


def changelist_pks(response: Any) -> set[str]:
    assert response.status_code == 200
    return {str(obj.pk) for obj in response.context["cl"].result_list}


def form_errors(response: Any) -> dict[str, Any]:
    """The add/change form came back (200) with errors instead of saving."""
    assert response.status_code == 200
    return dict(response.context["adminform"].form.errors)


# --- The cross-commune matrix -----------------------------------------------------------

def assert_hidden(response: Any, scene: Scene, *, may_view: bool) -> None:
    """An object outside the actor's scope: 302 to the admin index (exactly as for an id
    that does not exist) for a user who may view the model, 403 for one who may not."""
    if may_view:
        assert response.status_code == 302
        assert response["Location"] == ADMIN_INDEX
    else:
        assert response.status_code == 403


def test_the_other_communes_accounts_cannot_be_seen_in_the_admin(
    client: Any, scene: Scene
) -> None:
    # Every role opens the admin, so the 403s below come from the model admins.
    assert client.get(ADMIN_INDEX).status_code == 200

    response = client.get(ACCOUNTS)
    if scene.sees_accounts:
        listed = changelist_pks(response)
        assert listed >= ids(scene.own_official, scene.own_citizen, scene.actor)
        assert not listed & ids(*scene.other_accounts()), "changelist"
        page = response.content.decode()
        for account in scene.other_accounts():
            assert account.username not in page
            assert changelist_pks(client.get(ACCOUNTS, {"q": account.username})) == set()
    else:
        # No account permission: no account list at all, not even the own commune's.
        assert response.status_code == 403

    for account in scene.other_accounts():
        response = client.get(f"{ACCOUNTS}{account.pk}/change/")
        assert_hidden(response, scene, may_view=scene.sees_accounts)
        missing = client.get(f"{ACCOUNTS}{uuid.uuid4()}/change/")
        assert (response.status_code, response.get("Location")) == (
            missing.status_code, missing.get("Location"))
    own = client.get(f"{ACCOUNTS}{scene.own_citizen.pk}/change/")
    assert own.status_code == (200 if scene.sees_accounts else 403)


def test_the_other_communes_accounts_cannot_be_changed_in_the_admin(
    client: Any, scene: Scene
) -> None:
    for account in scene.other_accounts():
        data = account_form_data(account, full_name="Đã bị sửa", position="Chiếm quyền",
                                 agency=scene.home.pk, is_active=False)
        response = client.post(f"{ACCOUNTS}{account.pk}/change/", data)
        assert_hidden(response, scene, may_view=scene.manages_accounts)
        fresh = Account.objects.get(pk=account.pk)
        assert (fresh.full_name, fresh.position, fresh.agency_id, fresh.is_active) == (
            account.full_name, account.position, account.agency_id, True)
        assert not AuditEntry.objects.filter(target_id=str(account.pk),
                                             action=AuditAction.UPDATE).exists()

    official = client.post(f"{ACCOUNTS}add/", new_account_data(
        username="nguoi-la-1", full_name="Người lạ", agency=scene.other.pk))
    citizen = client.post(f"{ACCOUNTS}add/", new_account_data(
        username="nguoi-la-2", full_name="Người lạ", kind="citizen", commune=scene.other.pk))
    if scene.manages_accounts:
        assert set(form_errors(official)) == {"agency"}
        assert set(form_errors(citizen)) == {"commune"}
    else:
        assert (official.status_code, citizen.status_code) == (403, 403)
    assert not Account.objects.filter(username__startswith="nguoi-la").exists()


def test_the_other_communes_roles_are_out_of_reach_in_the_admin(
    client: Any, scene: Scene
) -> None:
    response = client.get(ASSIGNMENTS)
    if scene.sees_accounts:
        listed = changelist_pks(response)
        assert str(scene.own_assignment.pk) in listed
        assert str(scene.other_assignment.pk) not in listed, "changelist"
        assert scene.other_official.full_name not in response.content.decode()
    else:
        assert response.status_code == 403

    url = f"{ASSIGNMENTS}{scene.other_assignment.pk}"
    assert_hidden(client.get(f"{url}/change/"), scene, may_view=scene.sees_accounts)
    assert_hidden(client.get(f"{url}/delete/"), scene, may_view=scene.manages_roles)
    assert_hidden(client.post(f"{url}/delete/", {"post": "yes"}), scene,
                  may_view=scene.manages_roles)
    # The changelist's bulk "delete selected" filters the ids through the same scope.
    response = client.post(ASSIGNMENTS, {
        "action": "delete_selected", "_selected_action": [str(scene.other_assignment.pk)],
        "post": "yes",
    })
    assert response.status_code == (302 if scene.manages_roles else 403)
    assert RoleAssignment.objects.filter(pk=scene.other_assignment.pk).exists()
    assert not AuditEntry.objects.filter(action=IdentityAction.REVOKE).exists()

    before = RoleAssignment.objects.count()
    attempts = [
        (scene.other_official, scene.other, {"account", "agency"}),
        (scene.other_official, scene.home, {"account"}),
        (scene.own_official, scene.other, {"agency"}),
    ]
    for account, agency, fields in attempts:
        response = client.post(f"{ASSIGNMENTS}add/",
                               assignment_data(account, roles.REPORT_HANDLER, agency))
        if scene.manages_roles:
            assert set(form_errors(response)) == fields
        else:
            assert response.status_code == 403
    assert RoleAssignment.objects.count() == before


# --- Platform-wide and subtree administrators -------------------------------------------

def test_platform_admin_sees_both_communes(
    client: Any, tree: Any, make_official: Any, make_citizen: Any
) -> None:
    admin = make_official(tree.commune_b, roles.PLATFORM_ADMIN)
    everyone = [make_official(tree.commune_a, roles.LEADER), make_citizen(tree.commune_a),
                make_official(tree.commune_b, roles.LEADER), make_citizen(tree.commune_b)]
    client.force_login(admin)
    assert changelist_pks(client.get(ACCOUNTS)) >= ids(*everyone)
    assert changelist_pks(client.get(ASSIGNMENTS)) >= ids(
        *RoleAssignment.objects.filter(account__in=everyone))
    for account in everyone:
        assert client.get(f"{ACCOUNTS}{account.pk}/change/").status_code == 200


@pytest.mark.parametrize(("where", "sees", "does_not_see"), [
    ("province", ["province", "committee", "department", "unit", "commune_a", "commune_b"], []),
    ("committee", ["committee", "department", "unit"], ["province", "commune_a", "commune_b"]),
])
def test_a_higher_agency_admin_sees_the_subtree_below(
    client: Any, tree: Any, make_official: Any, where: str, sees: list[str],
    does_not_see: list[str],
) -> None:
    officials = {name: make_official(getattr(tree, name), roles.LEADER)
                 for name in sees + does_not_see}
    client.force_login(make_official(getattr(tree, where), roles.AGENCY_ADMIN))
    listed = changelist_pks(client.get(ACCOUNTS))
    assert listed >= ids(*(officials[n] for n in sees))
    assert not listed & ids(*(officials[n] for n in does_not_see))
    for name, official in officials.items():
        response = client.get(f"{ACCOUNTS}{official.pk}/change/")
        assert response.status_code == (200 if name in sees else 302), name


# --- An agency administrator's own commune ----------------------------------------------

def test_explicit_form_data_matches_the_rendered_change_page(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a, roles.LEADER)
    page = page_form_data(client.get(f"{ACCOUNTS}{official.pk}/change/"))
    assert page == account_form_data(official)
    assert page["role_assignments-TOTAL_FORMS"] == "1"


def test_agency_admin_changes_an_account_of_its_commune(
    client: Any, tree: Any, commune_admin: Account, make_official: Any, make_citizen: Any
) -> None:
    for account in (make_official(tree.commune_a, roles.LEADER), make_citizen(tree.commune_a)):
        url = f"{ACCOUNTS}{account.pk}/change/"
        data = page_form_data(client.get(url))
        data.update(full_name="Nguyễn Văn Đổi", position="Phó Chủ tịch")
        response = client.post(url, data)
        assert response.status_code == 302, form_errors(response)
        assert response["Location"] == ACCOUNTS
        account.refresh_from_db()
        assert (account.full_name, account.position) == ("Nguyễn Văn Đổi", "Phó Chủ tịch")


def test_agency_admin_cannot_move_an_account_to_the_other_commune(
    client: Any, tree: Any, commune_admin: Account, make_official: Any, make_citizen: Any
) -> None:
    official, citizen = make_official(tree.commune_a), make_citizen(tree.commune_a)
    for account, field in ((official, "agency"), (citizen, "commune")):
        url = f"{ACCOUNTS}{account.pk}/change/"
        data = page_form_data(client.get(url))
        data[field] = str(tree.commune_b.pk)
        assert set(form_errors(client.post(url, data))) == {field}
        account.refresh_from_db()
        assert getattr(account, f"{field}_id") == tree.commune_a.pk


def test_agency_admin_adds_an_official_and_a_citizen_in_its_commune(
    client: Any, tree: Any, commune_admin: Account
) -> None:
    page = page_form_data(client.get(f"{ACCOUNTS}add/"))
    assert page["role_assignments-TOTAL_FORMS"] == "0"
    official = dict(page, username="canbo-moi", full_name="Cán bộ mới",
                    agency=str(tree.commune_a.pk))
    citizen = dict(page, username="congdan-moi", full_name="Công dân mới", kind="citizen",
                   commune=str(tree.commune_a.pk), phone="0912345678")
    for data in (official, citizen):
        response = client.post(f"{ACCOUNTS}add/", data)
        assert response.status_code == 302, form_errors(response)
    assert Account.objects.get(username="canbo-moi").agency_id == tree.commune_a.pk
    created = Account.objects.get(username="congdan-moi")
    assert (created.kind, created.commune_id, created.agency_id) == (
        "citizen", tree.commune_a.pk, None)


def test_agency_admin_grants_and_revokes_a_role_in_its_commune(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    response = client.post(f"{ASSIGNMENTS}add/",
                           assignment_data(official, roles.SCHEDULE_EDITOR, tree.commune_a))
    assert response.status_code == 302, form_errors(response)
    assignment = RoleAssignment.objects.get(account=official)
    assert (assignment.role.code, assignment.agency_id, assignment.granted_by_id) == (
        roles.SCHEDULE_EDITOR, tree.commune_a.pk, commune_admin.pk)

    url = f"{ASSIGNMENTS}{assignment.pk}/delete/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_agency_admin_is_not_offered_the_platform_admin_role(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    offered = client.get(f"{ASSIGNMENTS}add/").context["adminform"].form.fields["role"]
    codes = {role.code for role in offered.queryset}
    assert roles.PLATFORM_ADMIN not in codes
    assert roles.AGENCY_ADMIN in codes
    official = make_official(tree.commune_a)
    response = client.post(f"{ASSIGNMENTS}add/",
                           assignment_data(official, roles.PLATFORM_ADMIN, tree.commune_a))
    assert set(form_errors(response)) == {"role"}
    assert not RoleAssignment.objects.filter(account=official).exists()


def test_agency_admin_cannot_grant_a_role_to_themselves(
    client: Any, tree: Any, commune_admin: Account
) -> None:
    response = client.post(f"{ASSIGNMENTS}add/",
                           assignment_data(commune_admin, roles.LEADER, tree.commune_a),
                           HTTP_ACCEPT_LANGUAGE="vi")
    assert set(form_errors(response)) == {"account"}
    assert "chính mình" in response.content.decode()
    assert list(RoleAssignment.objects.filter(account=commune_admin)
                .values_list("role__code", flat=True)) == [roles.AGENCY_ADMIN]


def test_an_invalid_personal_id_is_a_message_next_to_the_field(
    client: Any, tree: Any, commune_admin: Account, make_citizen: Any
) -> None:
    citizen = make_citizen(tree.commune_a)
    url = f"{ACCOUNTS}{citizen.pk}/change/"
    data = dict(page_form_data(client.get(url)), personal_id_number="12345",
                full_name="Không được lưu")
    errors = form_errors(client.post(url, data))
    assert set(errors) == {"personal_id_number"}
    assert "12" in errors["personal_id_number"][0]
    citizen.refresh_from_db()
    assert (citizen.full_name, citizen.personal_id_last_digits) != ("Không được lưu", "2345")
