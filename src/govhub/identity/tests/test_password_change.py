from __future__ import annotations

from typing import Any

from conftest import PASSWORD
from django.test import Client

from govhub.identity.people import roles
from govhub.kernel.models import AuditEntry


def test_changing_ones_own_password_in_the_admin_is_audited(
    client: Client, tree: Any, make_official: Any
) -> None:
    official = make_official(tree.commune_a, roles.AGENCY_ADMIN)
    client.force_login(official)
    new = "một-mật-khẩu-mới-dài-hơn"
    response = client.post("/admin/password_change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302, response.content
    official.refresh_from_db()
    assert official.check_password(new)
    entry = AuditEntry.objects.get(action="set_password", target_id=str(official.pk))
    assert entry.actor_id == official.pk
    assert new not in str(entry.before) + str(entry.after)
    # Still signed in: Django re-keys the session to the new password hash.
    assert client.get("/admin/").status_code == 200


def test_a_weak_new_password_is_refused_next_to_the_field(
    client: Client, tree: Any, make_official: Any
) -> None:
    official = make_official(tree.commune_a, roles.AGENCY_ADMIN)
    client.force_login(official)
    response = client.post("/admin/password_change/", {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
        HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    official.refresh_from_db()
    assert official.check_password(PASSWORD)
