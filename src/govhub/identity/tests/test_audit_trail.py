"""Acceptance: every write made through the admin or the API lands in the audit log with
who, from where, and the values before and after — never a password or a personal ID —
and an agency administrator reads only the entries of its own subtree."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from govhub.identity.audit_actions import IdentityAction
from govhub.identity.models import Account, Role, RoleAssignment
from govhub.identity.people import roles
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.models import AuditEntry

ACCOUNTS = "/admin/identity/account/"
ASSIGNMENTS = "/admin/identity/roleassignment/"
AUDIT_ADMIN = "/admin/kernel/auditentry/"
AUDIT_API = "/api/audit/entries"
PERSONAL_ID = "079203001234"
NEW_PASSWORD = "mật-khẩu-mới-rất-dài-2025"
SECRET_FIELDS = {"password", "personal_id_digest", "personal_id_ciphertext"}


# --- Helpers ----------------------------------------------------------------------------

def api(client: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(path, **kwargs)


def change_page_data(client: Any, account: Account) -> dict[str, str]:
    """The account's change form as the admin renders it, ready to post back."""
    response = client.get(f"{ACCOUNTS}{account.pk}/change/")
    assert response.status_code == 200
    data: dict[str, str] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            else:
                data[bound.html_name] = "" if value is None else str(value)
    return data


def only_entry(**filters: Any) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(**filters))
    assert len(entries) == 1, entries
    return entries[0]


def assert_no_secrets(entry: AuditEntry, account: Account) -> None:
    """Neither the excluded fields nor any secret value appear in before/after."""
    account.refresh_from_db()
    for values in (entry.before, entry.after):
        if values is None:
            continue
        assert not SECRET_FIELDS & set(values)
        text = json.dumps(values)
        for secret in (PERSONAL_ID, NEW_PASSWORD, account.password,
                       account.personal_id_digest, account.personal_id_ciphertext):
            if secret:
                assert secret not in text


def assert_request_facts(entry: AuditEntry, actor: Account) -> None:
    assert entry.actor_id == actor.pk
    assert entry.actor_label == str(actor)
    assert entry.ip_address == "127.0.0.1"  # the test client's REMOTE_ADDR
    assert entry.request_id


# --- Account writes ---------------------------------------------------------------------

def test_an_admin_change_is_audited_with_before_and_after(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a, roles.LEADER)
    old_name = official.full_name
    data = change_page_data(client, official)
    data.update(full_name="Trần Thị Mới", phone="0987654321")
    response = client.post(f"{ACCOUNTS}{official.pk}/change/", data)
    assert response.status_code == 302

    entry = only_entry(action=AuditAction.UPDATE, target_id=str(official.pk))
    assert_request_facts(entry, commune_admin)
    assert entry.target_type == "identity.account"
    assert entry.agency_id == tree.commune_a.pk
    assert (entry.before["full_name"], entry.after["full_name"]) == (old_name, "Trần Thị Mới")
    assert (entry.before["phone"], entry.after["phone"]) == (None, "0987654321")
    assert set(entry.changed_fields) == {"full_name", "phone", "updated_at"}
    assert_no_secrets(entry, official)


def test_an_admin_change_of_personal_id_and_password_keeps_them_out_of_the_log(
    client: Any, tree: Any, commune_admin: Account, make_citizen: Any
) -> None:
    citizen = make_citizen(tree.commune_a)
    data = change_page_data(client, citizen)
    data.update(personal_id_number=PERSONAL_ID, new_password=NEW_PASSWORD)
    response = client.post(f"{ACCOUNTS}{citizen.pk}/change/", data)
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert citizen.personal_id_last_digits == "1234"

    update = only_entry(action=AuditAction.UPDATE, target_id=str(citizen.pk))
    assert_request_facts(update, commune_admin)
    # What changed is visible as the last digits only.
    assert (update.before["personal_id_last_digits"],
            update.after["personal_id_last_digits"]) == ("", "1234")
    assert_no_secrets(update, citizen)
    password = only_entry(action=IdentityAction.SET_PASSWORD, target_id=str(citizen.pk))
    assert_request_facts(password, commune_admin)
    assert (password.before, password.after) == (None, None)


def test_an_admin_addition_is_audited(client: Any, tree: Any, commune_admin: Account) -> None:
    response = client.post(f"{ACCOUNTS}add/", {
        "username": "canbo-moi", "full_name": "Cán bộ mới", "kind": "official",
        "is_active": "on", "phone": "", "email": "", "agency": str(tree.commune_a.pk),
        "position": "", "commune": "", "assurance_level": "0",
        "personal_id_number": PERSONAL_ID, "new_password": NEW_PASSWORD,
        "role_assignments-TOTAL_FORMS": "0", "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "0",
    })
    assert response.status_code == 302
    created = Account.objects.get(username="canbo-moi")
    entry = only_entry(action=AuditAction.CREATE, target_id=str(created.pk))
    assert_request_facts(entry, commune_admin)
    assert entry.before is None
    assert entry.after["username"] == "canbo-moi"
    assert entry.after["agency"] == str(tree.commune_a.pk)
    assert_no_secrets(entry, created)


def test_an_api_patch_is_audited_with_before_and_after(
    client: Any, tree: Any, commune_admin: Account, make_citizen: Any
) -> None:
    citizen = make_citizen(tree.commune_a)
    old_name = citizen.full_name
    response = api(client, "patch", f"/api/identity/accounts/{citizen.pk}", {
        "full_name": "Lê Văn Sửa", "phone": "0912345678", "personal_id": PERSONAL_ID,
    })
    assert response.status_code == 200, response.content

    entry = only_entry(action=AuditAction.UPDATE, target_id=str(citizen.pk))
    assert_request_facts(entry, commune_admin)
    assert entry.agency_id == tree.commune_a.pk
    assert (entry.before["full_name"], entry.after["full_name"]) == (old_name, "Lê Văn Sửa")
    assert (entry.before["phone"], entry.after["phone"]) == (None, "0912345678")
    assert set(entry.changed_fields) == {"full_name", "phone", "personal_id_last_digits",
                                         "updated_at"}
    assert_no_secrets(entry, citizen)


def test_an_api_creation_is_audited(client: Any, tree: Any, commune_admin: Account) -> None:
    response = api(client, "post", "/api/identity/accounts", {
        "username": "congdan-moi", "full_name": "Công dân mới", "kind": "citizen",
        "commune_id": str(tree.commune_a.pk), "personal_id": PERSONAL_ID,
        "password": NEW_PASSWORD,
    })
    assert response.status_code == 201, response.content
    created = Account.objects.get(username="congdan-moi")
    entry = only_entry(action=AuditAction.CREATE, target_id=str(created.pk))
    assert_request_facts(entry, commune_admin)
    assert entry.agency_id == tree.commune_a.pk
    assert entry.after["commune"] == str(tree.commune_a.pk)
    assert_no_secrets(entry, created)


# --- Grants and revocations -------------------------------------------------------------

def assert_grant_then_revoke(tree: Any, actor: Account, official: Account) -> None:
    role = Role.objects.get(code=roles.SCHEDULE_EDITOR)
    grant = only_entry(action=IdentityAction.GRANT, target_type="identity.roleassignment",
                       actor_id=actor.pk)
    assert_request_facts(grant, actor)
    assert grant.before is None
    assert {k: grant.after[k] for k in ("account", "role", "agency", "granted_by")} == {
        "account": str(official.pk), "role": str(role.pk),
        "agency": str(tree.commune_a.pk), "granted_by": str(actor.pk),
    }
    assert grant.agency_id == tree.commune_a.pk

    revoke = only_entry(action=IdentityAction.REVOKE, target_id=grant.target_id)
    assert_request_facts(revoke, actor)
    assert revoke.after is None
    assert revoke.before["id"] == grant.target_id
    assert {k: revoke.before[k] for k in ("account", "role", "agency")} == {
        "account": str(official.pk), "role": str(role.pk), "agency": str(tree.commune_a.pk),
    }
    assert revoke.agency_id == tree.commune_a.pk


def test_api_grant_and_revoke_are_audited(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    response = api(client, "post", "/api/identity/role-assignments", {
        "account_id": str(official.pk), "role": roles.SCHEDULE_EDITOR,
        "agency_id": str(tree.commune_a.pk),
    })
    assert response.status_code == 201, response.content
    assignment_id = json.loads(response.content)["id"]
    assert api(client, "delete", f"/api/identity/role-assignments/{assignment_id}"
               ).status_code == 204
    assert_grant_then_revoke(tree, commune_admin, official)


def test_admin_grant_and_revoke_are_audited(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    response = client.post(f"{ASSIGNMENTS}add/", {
        "account": str(official.pk), "agency": str(tree.commune_a.pk),
        "role": str(Role.objects.get(code=roles.SCHEDULE_EDITOR).pk),
        "valid_until_0": "", "valid_until_1": "",
    })
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(account=official)
    response = client.post(f"{ASSIGNMENTS}{assignment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert_grant_then_revoke(tree, commune_admin, official)


def test_a_refused_write_leaves_no_audit_entry(
    client: Any, tree: Any, commune_admin: Account, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    count = AuditEntry.objects.count()
    response = api(client, "post", "/api/identity/role-assignments", {
        "account_id": str(official.pk), "role": roles.PLATFORM_ADMIN,
        "agency_id": str(tree.commune_a.pk),
    })
    assert response.status_code == 403
    assert AuditEntry.objects.count() == count


# --- Who reads the audit log ------------------------------------------------------------

SESSION_ACTIONS = {"sign_in", "sign_out"}


def listed_entry_ids(client: Any, query: str = "") -> set[str]:
    response = client.get(f"{AUDIT_API}?page_size=100{query}")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["count"] == len(body["items"])
    # Signing in (force_login) is audited too; these tests are about data changes.
    return {item["id"] for item in body["items"] if item["action"] not in SESSION_ACTIONS}


def admin_entry_ids(client: Any) -> set[str]:
    response = client.get(AUDIT_ADMIN)
    assert response.status_code == 200
    return {str(e.pk) for e in response.context["cl"].result_list
            if e.action not in SESSION_ACTIONS}


@pytest.mark.parametrize(("home", "other"), [("commune_a", "commune_b"),
                                             ("commune_b", "commune_a")])
def test_an_agency_admin_reads_only_its_own_subtrees_audit_entries(
    client: Any, tree: Any, make_official: Any, make_citizen: Any, home: str, other: str
) -> None:
    home, other = getattr(tree, home), getattr(tree, other)
    # One write by each commune's administrator, in their own commune.
    admins = {}
    for commune in (home, other):
        admins[commune.pk] = make_official(commune, roles.AGENCY_ADMIN)
        citizen = make_citizen(commune)
        client.force_login(admins[commune.pk])
        assert api(client, "patch", f"/api/identity/accounts/{citizen.pk}",
                   {"position": "Tổ trưởng"}).status_code == 200
    home_write = only_entry(action=AuditAction.UPDATE, agency_id=home.pk)
    other_write = only_entry(action=AuditAction.UPDATE, agency_id=other.pk)
    home_ids = {str(pk) for pk in AuditEntry.objects.filter(agency_id=home.pk)
                .exclude(action__in=SESSION_ACTIONS).values_list("pk", flat=True)}
    other_ids = {str(pk) for pk in AuditEntry.objects.exclude(agency_id=home.pk)
                 .values_list("pk", flat=True)}
    assert str(other_write.pk) in other_ids
    assert len(other_ids) > 1

    client.force_login(admins[home.pk])
    assert listed_entry_ids(client) == home_ids
    assert str(home_write.pk) in home_ids
    assert listed_entry_ids(client, f"&target_id={other_write.target_id}") == set()
    assert listed_entry_ids(client, f"&actor_id={admins[other.pk].pk}") == set()

    assert admin_entry_ids(client) == home_ids
    page = client.get(f"{AUDIT_ADMIN}{home_write.pk}/change/")
    assert page.status_code == 200
    assert "Tổ trưởng" in page.content.decode()  # the before → after table
    hidden = client.get(f"{AUDIT_ADMIN}{other_write.pk}/change/")
    assert (hidden.status_code, hidden["Location"]) == (302, "/admin/")
    missing = client.get(f"{AUDIT_ADMIN}{uuid.uuid4()}/change/")
    assert (missing.status_code, missing["Location"]) == (302, "/admin/")


def test_a_province_admin_reads_both_communes_and_a_platform_admin_everything(
    client: Any, tree: Any, make_official: Any, make_citizen: Any
) -> None:
    for commune in (tree.commune_a, tree.commune_b):
        make_citizen(commune)
    province_admin = make_official(tree.province, roles.AGENCY_ADMIN)
    platform_admin = make_official(tree.commune_a, roles.PLATFORM_ADMIN)
    everything = {str(pk) for pk in AuditEntry.objects.values_list("pk", flat=True)}
    in_communes = {str(pk) for pk in AuditEntry.objects.filter(
        agency_id__in=[tree.commune_a.pk, tree.commune_b.pk]).values_list("pk", flat=True)}
    assert in_communes
    assert in_communes < everything

    # Every agency of the tree is under the province, so its administrator reads it all.
    client.force_login(province_admin)
    assert listed_entry_ids(client) == everything
    client.force_login(platform_admin)
    assert listed_entry_ids(client) == everything


@pytest.mark.parametrize("role", [r.code for r in roles.BUILTIN_ROLES
                                  if roles.VIEW_AUDIT not in r.permissions])
def test_roles_without_the_audit_permission_read_no_audit_entries(
    client: Any, tree: Any, make_official: Any, role: str
) -> None:
    client.force_login(make_official(tree.commune_a, role))
    assert AuditEntry.objects.filter(agency_id=tree.commune_a.pk).exists()
    assert listed_entry_ids(client) == set()
    assert client.get(AUDIT_ADMIN).status_code == 403


def test_the_audit_admin_names_and_filters_verbs_in_vietnamese(
    client: Any, tree: Any, make_official: Any
) -> None:
    """The verbs come from each context's registry, not from the column's choices."""
    platform_admin = make_official(tree.commune_a, roles.PLATFORM_ADMIN)
    official = make_official(tree.commune_a)
    client.force_login(platform_admin)
    assert api(client, "post", "/api/identity/role-assignments", {
        "account_id": str(official.pk), "role": roles.SCHEDULE_EDITOR,
        "agency_id": str(tree.commune_a.pk),
    }).status_code == 201
    grant = only_entry(action=IdentityAction.GRANT, target_type="identity.roleassignment",
                       actor_id=platform_admin.pk)

    page = client.get(AUDIT_ADMIN)
    filter_choices = {choice["display"] for spec in page.context["cl"].filter_specs
                      for choice in spec.choices(page.context["cl"])}
    assert {"Cấp vai trò", "Đăng nhập", "Tạo mới", "Nhập dữ liệu"} <= filter_choices
    assert "Cấp vai trò" in page.content.decode()

    granted = client.get(f"{AUDIT_ADMIN}?action=grant")
    assert granted.status_code == 200
    listed = {str(e.pk) for e in granted.context["cl"].result_list}
    assert str(grant.pk) in listed
    assert listed == {str(pk) for pk in AuditEntry.objects.filter(action="grant")
                      .values_list("pk", flat=True)}
    assert AuditEntry.objects.exclude(action="grant").exists()
    detail = client.get(f"{AUDIT_ADMIN}{grant.pk}/change/").content.decode()
    assert "Cấp vai trò" in detail
