"""Writes of consents: a person allows a third-party app to receive some of their data,
and can take that back (Personal Data Protection Law 91/2025 requires consent
that can be withdrawn)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from govhub.identity import events
from govhub.identity.audit_actions import IdentityAction
from govhub.identity.models import Account, Client, ClientSession, Consent
from govhub.identity.sso.services.logout_deliveries import deliver_logout_token
from govhub.kernel.audit import record_audit
from govhub.kernel.events import publish_on_commit


def active_consent(account: Account, client: Client) -> Consent | None:
    return Consent.objects.filter(account=account, client=client,
                                  revoked_at__isnull=True).first()


@transaction.atomic
def record_consent(*, actor: Account, client: Client, scopes: list[str]) -> Consent:
    """The person pressed "Allow": their consent now covers these scopes too."""
    current = active_consent(actor, client)
    if current is not None and current.covers(scopes):
        return current
    granted = sorted(set(scopes) | set(current.scopes if current else []))
    if current is not None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at", "updated_at"])
    consent = Consent.objects.create(account=actor, client=client, scopes=granted)
    record_audit(actor=actor, action=IdentityAction.GIVE_CONSENT, target=consent,
                 before={"scopes": current.scopes} if current else None,
                 after={"client": client.client_id, "scopes": granted},
                 agency_id=actor.agency_id or actor.commune_id)
    publish_on_commit(events.ConsentGiven(consent_id=consent.pk, account_id=actor.pk,
                                          client_id=client.client_id, scopes=tuple(granted)))
    return consent


def _tell_the_app(account: Account, client: Client) -> None:
    """The app's open sessions for this person get a back-channel logout token (in this
    transaction), so it stops showing their data, not only stops refreshing it."""
    if not client.backchannel_logout_uri:
        return
    links = ClientSession.objects.filter(client=client, sign_in_session__account=account,
                                         logout_delivered_at__isnull=True)
    for link_id in links.values_list("pk", flat=True):
        deliver_logout_token.enqueue(str(link_id))


@transaction.atomic
def revoke_consent(*, actor: Account, consent: Consent) -> None:
    """Withdrawn consent also ends what the app holds: its tokens for this person."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk, account=actor)
    if consent.revoked_at is not None:
        return
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at", "updated_at"])
    for refresh in RefreshToken.objects.filter(user=actor, application=consent.client,
                                               revoked__isnull=True):
        refresh.revoke()
    AccessToken.objects.filter(user=actor, application=consent.client).delete()
    _tell_the_app(actor, consent.client)
    record_audit(actor=actor, action=IdentityAction.WITHDRAW_CONSENT, target=consent,
                 before={"client": consent.client.client_id, "scopes": consent.scopes},
                 agency_id=actor.agency_id or actor.commune_id)
    publish_on_commit(events.ConsentWithdrawn(consent_id=consent.pk, account_id=actor.pk,
                                              client_id=consent.client.client_id))
