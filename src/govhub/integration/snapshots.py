"""Building, sealing and storing the config snapshot the gateways enforce
(docs/exchange-contract.md; ``govhub_contracts.snapshot``).

Every write that changes what a gateway enforces calls :func:`publish_snapshot_on_commit`; the
snapshot is rebuilt from the database after the commit, so it never contains a change that
was rolled back, and a new version is stored only when its content differs from the latest
one (an unrelated edit does not make every gateway reload)."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from govhub.integration import events, models
from govhub.kernel.events import publish_on_commit
from govhub_contracts import snapshot as contract

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _services() -> list[contract.Service]:
    services = []
    queryset = models.Service.objects.filter(is_active=True).select_related(
        "system__member").prefetch_related("operations", "endpoints", "maintenance")
    now = timezone.now()
    for service in queryset:
        endpoints = [e.url for e in sorted(service.endpoints.all(),
                                           key=lambda e: (e.position, e.created_at))]
        if not endpoints:  # nothing to route to: the gateway answers "unknown service"
            continue
        services.append(contract.Service(
            member=service.system.member.code, system=service.system.code, code=service.code,
            version=service.version, protocol=contract.Protocol(service.protocol),
            name=service.name, endpoints=endpoints,
            operations=[contract.Operation(code=o.code, method=o.method, path=o.path,
                                           data_class=contract.DataClass(o.data_class),
                                           summary=o.summary)
                        for o in sorted(service.operations.all(), key=lambda o: o.code)],
            timeout_seconds=service.timeout_seconds,
            max_request_bytes=service.max_request_bytes,
            max_response_bytes=service.max_response_bytes, log_bodies=service.log_bodies,
            maintenance=[contract.MaintenanceWindow(starts_at=w.starts_at, ends_at=w.ends_at,
                                                    notice=w.notice)
                         for w in service.maintenance.all() if w.ends_at > now],
            description_document=service.description_document,
            description_media_type=service.description_media_type))
    return sorted(services, key=lambda s: s.service_id)


def _api_keys(now: datetime) -> list[contract.ApiKey]:
    keys = models.ApiKey.objects.select_related("system__member").filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=now),
        Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    result = []
    for key in keys:
        # A key revoked after a rotation overlap stays until then: the gateway enforces the
        # end as an expiry, to the second, without waiting for the next snapshot.
        ends = [t for t in (key.expires_at, key.revoked_at) if t is not None]
        result.append(contract.ApiKey(key_id=key.key_id, secret_sha256=key.secret_sha256,
                                      client=key.system.client_id,
                                      expires_at=min(ends) if ends else None))
    return sorted(result, key=lambda k: k.key_id)


def _grants(now: datetime) -> list[contract.Grant]:
    agreements = models.Agreement.objects.filter(
        status=models.AgreementStatus.APPROVED, valid_until__gt=now).select_related(
        "consumer__member", "service__system__member").prefetch_related("operations")
    grants = [contract.Grant(
        agreement_id=str(a.pk), client=a.consumer.client_id, service=a.service.service_id,
        operations=sorted(o.code for o in a.operations.all()) or None,
        valid_from=a.valid_from, valid_until=a.valid_until,
        fields=[str(f) for f in a.fields]) for a in agreements]
    return sorted(grants, key=lambda g: g.agreement_id)


def _credentials(now: datetime) -> dict[str, Any]:
    bindings = models.OAuthBinding.objects.select_related("system__member", "client")
    certificates = models.Certificate.objects.select_related("system__member").filter(
        revoked_at__isnull=True, not_after__gt=now)
    return {
        "api_keys": _api_keys(now),
        "oauth_clients": sorted((contract.OAuthClient(client_id=b.client.client_id,
                                                      client=b.system.client_id)
                                 for b in bindings), key=lambda c: c.client_id),
        "certificates": sorted((contract.CertificateBinding(
            sha256_fingerprint=c.sha256_fingerprint, client=c.system.client_id)
            for c in certificates), key=lambda c: c.sha256_fingerprint),
    }


def build_snapshot(version: int) -> contract.Snapshot:
    """The registry as the gateways must see it now (not yet sealed)."""
    now = timezone.now()
    public = settings.GOVHUB_PUBLIC_URL.rstrip("/")
    systems = models.System.objects.select_related("member")
    return contract.Snapshot(
        version=version, generated_at=now,
        members=[contract.Member(code=m.code, name=m.name) for m in models.Member.objects.all()],
        systems=sorted((contract.System(member=s.member.code, code=s.code, name=s.name)
                        for s in systems), key=lambda s: s.client_id),
        services=_services(), grants=_grants(now),
        quotas=sorted((contract.Quota(client=q.system.client_id, requests=q.requests,
                                      per_seconds=q.per_seconds)
                       for q in models.Quota.objects.select_related("system__member")),
                      key=lambda q: q.client),
        token_issuer=contract.TokenIssuer(issuer=public,
                                          jwks_uri=f"{public}/o/.well-known/jwks.json",
                                          audience="govhub-gateway"),
        **_credentials(now))


def content_digest(snapshot: contract.Snapshot) -> str:
    """SHA-256 of what the snapshot says, without its version, time and revision."""
    neutral = snapshot.model_copy(update={"version": 1, "generated_at": _EPOCH, "revision": ""})
    return hashlib.sha256(neutral.model_dump_json().encode()).hexdigest()


def latest_snapshot() -> models.ConfigSnapshot | None:
    return models.ConfigSnapshot.objects.order_by("-version").first()


def publish_snapshot(*, reason: str) -> models.ConfigSnapshot | None:
    """Store a new version if the registry changed since the latest; ``None`` if it did not.
    Two publishers racing for the same version: the loser retries on top of the winner."""
    for _attempt in range(3):
        try:
            return _publish_once(reason)
        except IntegrityError:
            logger.info("snapshot version taken by a concurrent publisher; retrying")
    raise RuntimeError("could not publish a config snapshot")


@transaction.atomic
def _publish_once(reason: str) -> models.ConfigSnapshot | None:
    latest = latest_snapshot()
    version = latest.version + 1 if latest else 1
    sealed = build_snapshot(version).sealed()
    digest = content_digest(sealed)
    if latest is not None and latest.content_sha256 == digest:
        return None
    stored = models.ConfigSnapshot.objects.create(
        version=version, revision=sealed.revision, content_sha256=digest,
        document=sealed.model_dump(mode="json"), reason=reason[:300])
    transaction.on_commit(lambda: _announce(stored.version))
    publish_on_commit(events.SnapshotPublished(version=stored.version,
                                               revision=stored.revision))
    return stored


def _announce(version: int) -> None:
    from govhub.integration.tasks import push_snapshot_refresh

    try:
        push_snapshot_refresh.enqueue(version)
    except Exception:  # best effort: gateways poll anyway
        logger.exception("could not enqueue the snapshot push for version %d", version)


def publish_snapshot_on_commit(reason: str) -> None:
    """Called by every write that changes what the gateways enforce."""
    transaction.on_commit(lambda: publish_snapshot(reason=reason))


def stored_snapshot(record: models.ConfigSnapshot) -> contract.Snapshot:
    return contract.Snapshot.model_validate(record.document)
