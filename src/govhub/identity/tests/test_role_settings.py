"""Whether a role requires a second factor: a platform administrator's setting, changed in
the admin through role_settings.update_role and audited; everyone else sees it read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from govhub.identity.models import Role
from govhub.identity.people import roles
from govhub.identity.people.services import grants, role_settings
from govhub.identity.tests.factor_fixtures import (
    password_step,
)
from govhub.kernel.models import AuditEntry


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def change_url(code: str) -> str:
    return f"/admin/identity/role/{role(code).pk}/change/"


def test_a_platform_administrator_changes_the_setting_in_the_admin(
    client: Client, tree: Any, make_official: Any
) -> None:
    platform_admin = make_official(tree.province, roles.PLATFORM_ADMIN)
    client.force_login(platform_admin)
    page = client.get(change_url(roles.LEADER)).content.decode()
    assert 'name="requires_second_factor"' in page
    response = client.post(change_url(roles.LEADER), {"requires_second_factor": "on"})
    assert response.status_code == 302, response.content
    assert role(roles.LEADER).requires_second_factor
    entry = AuditEntry.objects.get(target_type="identity.role", action="update")
    assert entry.actor_id == platform_admin.pk
    assert entry.before == {"requires_second_factor": False}
    assert entry.after == {"requires_second_factor": True}

    # A leader is asked for a second factor from now on.
    make_official(tree.committee, roles.LEADER, username="lanhdao")
    assert password_step(Client(), "lanhdao")["Location"] == "/login/second-factor/"

    # Turning it off again is one more audited change.
    client.post(change_url(roles.LEADER), {})
    assert not role(roles.LEADER).requires_second_factor
    assert AuditEntry.objects.filter(target_type="identity.role").count() == 2


def test_an_agency_administrator_sees_the_setting_but_cannot_change_it(
    client: Client, tree: Any, make_official: Any
) -> None:
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    page = client.get(change_url(roles.AGENCY_ADMIN))
    assert page.status_code == 200
    assert 'name="requires_second_factor"' not in page.content.decode()
    response = client.post(change_url(roles.AGENCY_ADMIN), {})
    assert response.status_code == 403
    assert role(roles.AGENCY_ADMIN).requires_second_factor
    assert not AuditEntry.objects.filter(target_type="identity.role").exists()


def test_the_service_refuses_anyone_but_a_platform_administrator(
    tree: Any, make_official: Any
) -> None:
    agency_admin = make_official(tree.province, roles.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        role_settings.update_role(actor=agency_admin, role=role(roles.AGENCY_ADMIN),
                             requires_second_factor=False)
    assert role(roles.AGENCY_ADMIN).requires_second_factor


def test_roles_are_not_added_in_the_admin(client: Client, tree: Any, make_official: Any) -> None:
    client.force_login(make_official(tree.province, roles.PLATFORM_ADMIN))
    assert client.get("/admin/identity/role/add/").status_code == 403


def test_the_choice_survives_the_sync_of_built_in_roles(
    tree: Any, make_official: Any
) -> None:
    platform_admin = make_official(tree.province, roles.PLATFORM_ADMIN)
    role_settings.update_role(actor=platform_admin, role=role(roles.INTEGRATION_OPERATOR),
                         requires_second_factor=False)
    grants.sync_builtin_roles()
    assert not role(roles.INTEGRATION_OPERATOR).requires_second_factor
    make_official(tree.unit, roles.INTEGRATION_OPERATOR, username="vanhanh")
    assert password_step(Client(), "vanhanh")["Location"] == "/"
