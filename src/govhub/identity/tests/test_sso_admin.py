from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.test import Client as Browser

from govhub.identity.models import Client, SignInSession
from govhub.identity.people import roles
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry

CLIENTS = "/admin/identity/client/"


def test_an_agency_admin_registers_clients_of_its_agency_only(
    client: Browser, tree: Any, make_official: Any
) -> None:
    clients.register_client(actor=SYSTEM, agency=tree.commune_b, name="Ứng dụng phường B",
                             client_type=Client.CLIENT_PUBLIC,
                             authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
                             redirect_uris="https://b.example/cb")
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    assert "Ứng dụng phường B" not in client.get(CLIENTS).content.decode()

    response = client.post(f"{CLIENTS}add/", {
        "agency": str(tree.commune_a.pk), "name": "Phản ánh phường A",
        "client_type": "confidential", "authorization_grant_type": "authorization-code",
        "redirect_uris": "https://a.example/cb", "skip_authorization": "on",
        "allowed_scopes": "openid profile"}, follow=True)
    created = Client.objects.get(name="Phản ánh phường A")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    secret = next(m.rsplit(" ", 1)[1] for m in shown if created.name in m)
    created.refresh_from_db()
    assert secret not in created.client_secret  # stored hashed, shown once
    assert AuditEntry.objects.filter(target_id=str(created.pk), action="create").exists()

    refused = client.post(f"{CLIENTS}add/", {
        "agency": str(tree.commune_b.pk), "name": "Lấn sang phường B",
        "client_type": "public", "authorization_grant_type": "authorization-code",
        "redirect_uris": "https://x.example/cb", "allowed_scopes": "openid"})
    assert refused.status_code == 200  # the form names the field
    assert "agency" in refused.context["adminform"].form.errors
    assert not Client.objects.filter(name="Lấn sang phường B").exists()


def test_an_administrator_ends_a_users_sessions(client: Browser, tree: Any,
                                                make_official: Any) -> None:
    official = make_official(tree.commune_a)
    other = Browser()
    other.force_login(official)  # a sign-in in another browser
    session = SignInSession.objects.get(account=official)
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    client.post("/admin/identity/signinsession/", {
        "action": "end_sessions", "_selected_action": [str(session.pk)]})
    session.refresh_from_db()
    assert session.ended_at is not None
    assert AuditEntry.objects.filter(action="sign_out", target_id=str(official.pk)).exists()
