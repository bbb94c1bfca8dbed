"""Reads of the integration hub, scoped to the actor: an operator sees the members, systems,
services and agreements of the agencies under them (``integration.operate`` over a subtree);
objects with no provincial agency (ministries' members) only with a platform-wide grant. The
service catalogue is open to every operator: a consumer has to find a service before asking
for an agreement (X-Road's service discovery is open to all members likewise)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.integration import models
from govhub.integration.services.gateways import hash_token
from govhub.kernel.actors import Actor
from govhub_contracts.snapshot import GATEWAY_TOKEN_PREFIX

OPERATE = roles.OPERATE_INTEGRATION
HEARTBEAT_SECONDS = 10
# A gateway silent for three heartbeats is shown as stale.
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def _owned(actor: Actor, own: str, fallback: str) -> Q | None:
    """Objects whose own agency (``own``) is in scope, or which have none and whose
    ``fallback`` agency is. ``None``: everything."""
    access = access_for(actor)
    if access.covers_everything(OPERATE):
        return None
    by_own = access.path_filter(OPERATE, f"{own}__path")
    by_fallback = access.path_filter(OPERATE, f"{fallback}__path")
    assert by_own is not None
    assert by_fallback is not None
    return by_own | (Q(**{f"{own}__isnull": True}) & by_fallback)


def _scoped(queryset: QuerySet[Any], condition: Q | None) -> QuerySet[Any]:
    return queryset if condition is None else queryset.filter(condition)


def members(actor: Actor) -> QuerySet[models.Member]:
    condition = access_for(actor).path_filter(OPERATE, "agency__path")
    return _scoped(models.Member.objects.select_related("agency"), condition)


def systems(actor: Actor) -> QuerySet[models.System]:
    return _scoped(models.System.objects.select_related("member", "agency"),
                   _owned(actor, "agency", "member__agency"))


def services(actor: Actor) -> QuerySet[models.Service]:
    """Services the actor manages (provider side)."""
    condition = _owned(actor, "agency", "system__agency")
    if condition is not None:
        condition |= Q(agency__isnull=True, system__agency__isnull=True) & (
            access_for(actor).path_filter(OPERATE, "system__member__agency__path") or Q())
    return _scoped(models.Service.objects.select_related("system__member", "agency"),
                   condition)


def catalogue(actor: Actor) -> QuerySet[models.Service]:
    """Active services any operator may discover and ask for."""
    if not access_for(actor).has(OPERATE):
        return models.Service.objects.none()
    return models.Service.objects.filter(is_active=True).select_related(
        "system__member").prefetch_related("operations")


def agreements(actor: Actor) -> QuerySet[models.Agreement]:
    """Agreements where the actor is on the consumer's side or the provider's side."""
    queryset = models.Agreement.objects.select_related(
        "consumer__member", "service__system__member", "requested_by", "decided_by")
    if access_for(actor).covers_everything(OPERATE):
        return queryset
    return queryset.filter(Q(consumer__in=systems(actor)) | Q(service__in=services(actor)))


def api_keys(actor: Actor) -> QuerySet[models.ApiKey]:
    return models.ApiKey.objects.select_related("system__member").filter(
        system__in=systems(actor))


def certificates(actor: Actor) -> QuerySet[models.Certificate]:
    return models.Certificate.objects.select_related("system__member").filter(
        system__in=systems(actor))


def oauth_bindings(actor: Actor) -> QuerySet[models.OAuthBinding]:
    return models.OAuthBinding.objects.select_related("system__member", "client").filter(
        system__in=systems(actor))


def quotas(actor: Actor) -> QuerySet[models.Quota]:
    return models.Quota.objects.select_related("system__member").filter(
        system__in=systems(actor))


def operations(actor: Actor) -> QuerySet[models.Operation]:
    return models.Operation.objects.filter(service__in=services(actor))


def gateways(actor: Actor) -> QuerySet[models.Gateway]:
    """Gateways carry every agency's traffic: any operator may see their state."""
    if not access_for(actor).has(OPERATE):
        return models.Gateway.objects.none()
    return models.Gateway.objects.all()


def config_snapshots(actor: Actor) -> QuerySet[models.ConfigSnapshot]:
    if not access_for(actor).has(OPERATE):
        return models.ConfigSnapshot.objects.none()
    return models.ConfigSnapshot.objects.all()


def evidence(actor: Actor) -> QuerySet[models.EvidenceRecord]:
    """Exchanges where a system the actor manages was consumer or provider (Law 91/2025:
    an exchange log is personal data too, so it is scoped like the systems)."""
    queryset = models.EvidenceRecord.objects.all()
    if access_for(actor).covers_everything(OPERATE):
        return queryset
    clients = [s.client_id for s in systems(actor)]
    provided = [s.service_id for s in services(actor)]
    return queryset.filter(Q(client__in=clients) | Q(service__in=provided))


def gateway_for_token(token: str) -> models.Gateway | None:
    if not token.startswith(GATEWAY_TOKEN_PREFIX):
        return None
    return models.Gateway.objects.filter(token_sha256=hash_token(token)).first()


def is_stale(gateway: models.Gateway, now: Any = None) -> bool:
    if gateway.last_heartbeat_at is None:
        return True
    return (now or timezone.now()) - gateway.last_heartbeat_at > STALE_AFTER


def is_behind(gateway: models.Gateway, latest_version: int | None) -> bool:
    return latest_version is not None and (gateway.snapshot_version or 0) < latest_version
