"""Consumers' credentials and what the snapshot says about them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from govhub.identity.models import Client
from govhub.integration import models, services
from govhub.integration.tests.fixtures import Hub, pem, publish
from govhub_contracts.snapshot import Snapshot

pytestmark = pytest.mark.django_db


def _snapshot() -> Snapshot:
    publish()
    latest = models.ConfigSnapshot.objects.order_by("-version").first()
    assert latest is not None
    return Snapshot.model_validate(latest.document)


def test_issued_key_is_shown_once_and_its_hash_reaches_the_snapshot(hub: Hub) -> None:
    key, token = services.issue_api_key(actor=hub.consumer_operator, system=hub.consumer,
                                        label="Máy chủ một cửa")
    prefix, key_id, secret = token.split("_", 2)
    assert prefix == "ghk"
    assert key_id == key.key_id
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert secret not in str(models.ApiKey.objects.filter(pk=key.pk).values().get())
    [published] = _snapshot().api_keys
    assert published.key_id == key_id
    assert published.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert published.client == "000.00.00.H12/mot-cua"


def test_revoked_key_leaves_the_snapshot(hub: Hub) -> None:
    key, _token = services.issue_api_key(actor=hub.consumer_operator, system=hub.consumer)
    assert len(_snapshot().api_keys) == 1
    services.revoke_api_key(actor=hub.consumer_operator, key=key)
    assert _snapshot().api_keys == []


def test_rotation_without_overlap_replaces_the_key_at_once(hub: Hub) -> None:
    old, _ = services.issue_api_key(actor=hub.consumer_operator, system=hub.consumer)
    new, token = services.rotate_api_key(actor=hub.consumer_operator, key=old)
    assert token.startswith(f"ghk_{new.key_id}_")
    assert [k.key_id for k in _snapshot().api_keys] == [new.key_id]


def test_rotation_with_overlap_keeps_the_old_key_until_then(hub: Hub) -> None:
    old, _ = services.issue_api_key(actor=hub.consumer_operator, system=hub.consumer)
    new, _ = services.rotate_api_key(actor=hub.consumer_operator, key=old,
                                     overlap=timedelta(hours=1))
    keys = {k.key_id: k for k in _snapshot().api_keys}
    assert set(keys) == {old.key_id, new.key_id}
    old_end = keys[old.key_id].expires_at
    assert old_end is not None
    assert old_end <= timezone.now() + timedelta(hours=1)
    assert keys[new.key_id].expires_at is None


def test_expired_key_is_not_published(hub: Hub) -> None:
    key, _ = services.issue_api_key(actor=hub.consumer_operator, system=hub.consumer,
                                    expires_at=timezone.now() + timedelta(days=1))
    models.ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now())
    assert _snapshot().api_keys == []


def test_another_agency_cannot_issue_keys_for_the_system(hub: Hub) -> None:
    with pytest.raises(PermissionDenied):
        services.issue_api_key(actor=hub.provider_operator, system=hub.consumer)


def test_certificate_binding_stores_the_der_fingerprint(hub: Hub) -> None:
    text = pem()
    bound = services.bind_certificate(actor=hub.consumer_operator, system=hub.consumer, pem=text)
    der = x509.load_pem_x509_certificate(text.encode()).public_bytes(Encoding.DER)
    assert bound.sha256_fingerprint == hashlib.sha256(der).hexdigest()
    assert bound.subject == "CN=mot-cua.camau.gov.vn"
    assert [c.sha256_fingerprint for c in _snapshot().certificates] == [bound.sha256_fingerprint]


@pytest.mark.parametrize("garbage", [
    "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"])
def test_garbage_certificate_is_refused(hub: Hub, garbage: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.bind_certificate(actor=hub.consumer_operator, system=hub.consumer, pem=garbage)
    assert "pem" in error.value.message_dict


def test_oauth_client_is_created_bound_and_published(hub: Hub) -> None:
    binding, secret = services.create_oauth_client(actor=hub.platform, system=hub.consumer,
                                                   name="Một cửa (máy)")
    client = Client.objects.get(pk=binding.client_id)
    assert client.authorization_grant_type == Client.GRANT_CLIENT_CREDENTIALS
    assert client.client_type == Client.CLIENT_CONFIDENTIAL
    assert secret
    [published] = _snapshot().oauth_clients
    assert published.client_id == client.client_id
    assert published.client == "000.00.00.H12/mot-cua"
