from __future__ import annotations

import json
from typing import Any

from django.test import Client

from govhub.identity.models import Account
from govhub.identity.people import roles


def test_a_citizen_cannot_be_given_an_agency(client: Client, tree: Any,
                                             make_official: Any) -> None:
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    response = client.post("/api/identity/accounts", content_type="application/json", data={
        "username": "congdan.x", "full_name": "Công Dân X", "kind": "citizen",
        "agency_id": str(tree.commune_a.pk), "commune_id": str(tree.commune_a.pk)})
    assert response.status_code == 422
    assert [e["field"] for e in json.loads(response.content)["errors"]] == ["agency"]
    assert not Account.objects.filter(username="congdan.x").exists()


def test_a_duplicate_personal_id_in_the_admin_is_a_message(
    client: Client, tree: Any, make_official: Any, make_citizen: Any
) -> None:
    make_citizen(tree.commune_a, personal_id_number="096123456789")
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    response = client.post("/admin/identity/account/add/", {
        "username": "congdan.y", "full_name": "Công Dân Y", "kind": "citizen",
        "commune": str(tree.commune_a.pk), "assurance_level": "0", "is_active": "on",
        "personal_id_number": "0961 2345 6789", "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["personal_id_number"]
    assert "tài khoản khác" in errors["personal_id_number"][0]
    assert response.context["adminform"].form["username"].value() == "congdan.y"  # kept
    assert not Account.objects.filter(username="congdan.y").exists()


def test_the_audit_list_names_object_types_in_vietnamese(
    client: Client, tree: Any, make_official: Any
) -> None:
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    page = client.get("/admin/kernel/auditentry/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Tài khoản" in page
    assert "identity.account</td>" not in page


def test_an_account_without_agency_or_commune_is_only_for_platform_admins(
    tree: Any, make_official: Any
) -> None:
    import pytest
    from django.core.exceptions import PermissionDenied

    from govhub.identity.people.services import accounts
    from govhub.identity.second_factor.services import factors
    from govhub.kernel.actors import SYSTEM

    stray = accounts.create_account(actor=SYSTEM, username="congdan.khongxa",
                                    full_name="Chưa Có Xã", kind="citizen")
    commune_admin = make_official(tree.commune_b, roles.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        factors.reset_second_factors(actor=commune_admin, account=stray)
    with pytest.raises(PermissionDenied):
        accounts.update_account(actor=commune_admin, account=stray, full_name="Đổi Tên")
    accounts.update_account(actor=make_official(tree.province, roles.PLATFORM_ADMIN),
                            account=stray, full_name="Đổi Tên")
