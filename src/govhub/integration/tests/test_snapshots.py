"""The config snapshot: what gateways enforce, versioned only when it changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from govhub.integration import models, services
from govhub.integration.tests.fixtures import Hub, approved_agreement, publish
from govhub_contracts.snapshot import Snapshot

pytestmark = pytest.mark.django_db


def _document(stored: models.ConfigSnapshot | None) -> Snapshot:
    assert stored is not None
    return Snapshot.model_validate(stored.document)


def test_published_snapshot_is_valid_and_intact(hub: Hub) -> None:
    snapshot = _document(publish())
    assert snapshot.is_intact()
    assert [s.service_id for s in snapshot.services] == ["000.00.00.H12/dat-dai/thua-dat"]
    assert {o.code for o in snapshot.services[0].operations} == {"getParcel", "POST /parcels"}
    assert snapshot.services[0].endpoints == ["http://127.0.0.1:9/land"]
    assert snapshot.token_issuer is not None
    assert snapshot.token_issuer.jwks_uri.endswith("/o/.well-known/jwks.json")
    assert snapshot.grants == []  # deny by default


def test_unchanged_config_makes_no_new_version(hub: Hub) -> None:
    first = publish()
    assert first is not None
    assert publish() is None
    assert models.ConfigSnapshot.objects.count() == 1


def test_a_change_makes_a_new_version_with_a_new_revision(hub: Hub) -> None:
    first = publish()
    approved_agreement(hub)
    second = publish()
    assert first is not None
    assert second is not None
    assert second.version == first.version + 1
    assert second.revision != first.revision
    assert len(_document(second).grants) == 1


def test_writes_publish_on_commit(hub: Hub, django_capture_on_commit_callbacks: Any) -> None:
    publish()
    with django_capture_on_commit_callbacks(execute=True):
        services.set_quota(actor=hub.consumer_operator, system=hub.consumer, requests=100,
                           per_seconds=60)
    latest = models.ConfigSnapshot.objects.order_by("-version").first()
    quotas = _document(latest).quotas
    assert [(q.client, q.requests, q.per_seconds) for q in quotas] == [
        ("000.00.00.H12/mot-cua", 100, 60)]


def test_grant_carries_the_window_and_expired_agreement_is_absent(hub: Hub) -> None:
    agreement = approved_agreement(hub, operations=list(hub.service.operations.filter(
        code="getParcel")), fields=["so_thua", "dien_tich"])
    grant = _document(publish()).grants[0]
    assert grant.client == "000.00.00.H12/mot-cua"
    assert grant.operations == ["getParcel"]
    assert grant.fields == ["so_thua", "dien_tich"]
    assert grant.valid_until == agreement.valid_until
    models.Agreement.objects.filter(pk=agreement.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1))
    assert _document(publish()).grants == []


def test_unapproved_and_refused_agreements_grant_nothing(hub: Hub) -> None:
    now = timezone.now()
    pending = services.request_agreement(
        actor=hub.consumer_operator, consumer=hub.consumer, service=hub.service,
        legal_basis="Luật 91/2025", purpose="Thử", valid_from=now,
        valid_until=now + timedelta(days=1))
    assert _document(publish()).grants == []
    services.refuse_agreement(actor=hub.provider_operator, agreement=pending,
                              reason="Không đủ căn cứ", legal_basis="Điều 10 NĐ 194/2025")
    assert publish() is None  # a refusal changes nothing the gateways enforce
    assert _document(models.ConfigSnapshot.objects.order_by("-version").first()).grants == []


def test_inactive_service_leaves_the_snapshot(hub: Hub) -> None:
    services.update_service(actor=hub.provider_operator, service=hub.service, is_active=False)
    assert _document(publish()).services == []


def test_maintenance_window_and_endpoint_order_reach_the_snapshot(hub: Hub) -> None:
    now = timezone.now()
    services.add_maintenance_window(actor=hub.provider_operator, service=hub.service,
                                    starts_at=now + timedelta(hours=1),
                                    ends_at=now + timedelta(hours=2), notice="Nâng cấp")
    services.set_endpoints(actor=hub.provider_operator, service=hub.service,
                           urls=["http://127.0.0.1:9/b", "http://127.0.0.1:9/a"])
    [service] = _document(publish()).services
    assert service.endpoints == ["http://127.0.0.1:9/b", "http://127.0.0.1:9/a"]
    assert [w.notice for w in service.maintenance] == ["Nâng cấp"]
