"""Shared set-up of the integration tests: a provider and a consumer in different agencies,
operators for each, a service with an endpoint, and helpers to publish a snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from django.utils import timezone

from govhub.identity.people import roles
from govhub.integration import models, services
from govhub.integration.snapshots import publish_snapshot

DOCUMENTS = Path(__file__).parent / "documents"


def document(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


@dataclass
class Hub:
    tree: Any
    provider_operator: Any  # integration operator of the department (provider side)
    consumer_operator: Any  # integration operator of commune A (consumer side)
    platform: Any  # platform administrator
    provider: models.System
    consumer: models.System
    service: models.Service


@pytest.fixture
def hub(tree: Any, make_official: Any) -> Hub:
    provider_operator = make_official(tree.department, roles.INTEGRATION_OPERATOR, "vh_so")
    consumer_operator = make_official(tree.commune_a, roles.INTEGRATION_OPERATOR, "vh_phuong")
    platform = make_official(tree.province, roles.PLATFORM_ADMIN, "quantri")
    province_member = services.create_member(actor=platform, code="000.00.00.H12",
                                             name="UBND tỉnh Cà Mau", agency=tree.province)
    provider = services.create_system(actor=provider_operator, member=province_member,
                                      code="dat-dai", name="CSDL đất đai",
                                      agency=tree.department)
    consumer = services.create_system(actor=consumer_operator, member=province_member,
                                      code="mot-cua", name="Một cửa phường An Xuyên",
                                      agency=tree.commune_a)
    service = services.create_service(
        actor=provider_operator, system=provider, code="thua-dat", name="Tra cứu thửa đất",
        endpoints=["http://127.0.0.1:9/land"], agency=tree.department)
    services.import_description(actor=provider_operator, service=service,
                                text=document("land_registry.yaml"))
    return Hub(tree, provider_operator, consumer_operator, platform, provider, consumer,
               service)


def approved_agreement(hub: Hub, *, days: int = 30, **extra: Any) -> models.Agreement:
    now = timezone.now()
    agreement = services.request_agreement(
        actor=hub.consumer_operator, consumer=hub.consumer, service=hub.service,
        legal_basis="Nghị định 194/2025/NĐ-CP", purpose="Giải quyết thủ tục đất đai",
        valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=days), **extra)
    return services.approve_agreement(actor=hub.provider_operator, agreement=agreement)


def pem(days: int = 30) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mot-cua.camau.gov.vn")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(Encoding.PEM).decode()


def publish(reason: str = "test") -> models.ConfigSnapshot | None:
    return publish_snapshot(reason=reason)
