"""Writes of client applications (OpenID Connect relying parties and machine clients),
each owned by an agency and managed by that agency's administrators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret

from govhub.identity import events
from govhub.identity.models import Agency, Client
from govhub.identity.people import roles
from govhub.identity.people.services.rules import assign_fields, require_permission
from govhub.identity.sso.scopes import SCOPES
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit

# RFC 9700 §2.1.2/§2.4: no implicit, hybrid or password grants; people sign in with the
# code flow, machines use client credentials.
ALLOWED_GRANT_TYPES = (Client.GRANT_AUTHORIZATION_CODE, Client.GRANT_CLIENT_CREDENTIALS)

CLIENT_FIELDS = frozenset({"name", "client_type", "authorization_grant_type", "redirect_uris",
                           "post_logout_redirect_uris", "skip_authorization", "description",
                           "support_contact", "backchannel_logout_uri", "allowed_origins",
                           "allowed_scopes"})


def _check_client_rules(client: Client) -> None:
    unknown = [scope for scope in client.allowed_scope_list if scope not in SCOPES]
    if unknown:
        raise ValidationError({"allowed_scopes": _("Unknown scopes: %(scopes)s.")
                               % {"scopes": " ".join(unknown)}})
    if client.authorization_grant_type not in ALLOWED_GRANT_TYPES:
        raise ValidationError({"authorization_grant_type": _(
            "Only the authorization code flow (people) and client credentials (systems) "
            "are allowed.")})


@transaction.atomic
def register_client(*, actor: Actor, agency: Agency, **fields: Any) -> tuple[Client, str | None]:
    """Returns the client and, for a confidential one, its secret in clear — shown to the
    administrator once; only its hash is stored (DOT's hash_client_secret)."""
    require_permission(actor, roles.MANAGE_AGENCY, agency)
    client = Client(agency=agency, algorithm=Client.RS256_ALGORITHM)
    assign_fields(client, fields, CLIENT_FIELDS)
    secret = None
    if client.client_type == Client.CLIENT_CONFIDENTIAL:
        secret = generate_client_secret()
        client.client_secret = secret
    else:
        client.client_secret = ""
    _check_client_rules(client)
    client.full_clean(exclude=["client_secret", "user"])
    client.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=client,
                 after=snapshot(client, exclude=["client_secret"]), agency_id=agency.pk)
    publish_on_commit(events.ClientRegistered(client_id=client.client_id))
    return client, secret


def register_system_client(*, actor: Any, agency: Agency, name: str) -> tuple[Client, str]:
    """A system's client (client credentials, confidential, no consent screen): what the
    integration hub binds to a system. Returns the client and its secret, shown once."""
    client, secret = register_client(
        actor=actor, agency=agency, name=name, client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS, skip_authorization=True)
    assert secret is not None  # a confidential client always gets one
    return client, secret


@transaction.atomic
def update_client(*, actor: Actor, client: Client, **changes: Any) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    require_permission(actor, roles.MANAGE_AGENCY, client.agency)
    before = snapshot(client, exclude=["client_secret"])
    assign_fields(client, changes, CLIENT_FIELDS)
    _check_client_rules(client)
    client.full_clean(exclude=["client_secret", "user"])
    client.save()
    record_audit(actor=actor, action=AuditAction.UPDATE, target=client, before=before,
                 after=snapshot(client, exclude=["client_secret"]), agency_id=client.agency_id)
    return client


@transaction.atomic
def rotate_client_secret(*, actor: Actor, client: Client) -> str:
    client = Client.objects.select_for_update().get(pk=client.pk)
    require_permission(actor, roles.MANAGE_AGENCY, client.agency)
    secret = generate_client_secret()
    client.client_secret = secret
    client.save(update_fields=["client_secret", "updated"])
    # The audit says the secret changed, never what it is.
    record_audit(actor=actor, action=AuditAction.UPDATE, target=client,
                 after={"client_secret": "rotated"}, agency_id=client.agency_id)
    return secret
