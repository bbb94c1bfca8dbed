"""The agreement flow: request, approve or refuse (Decree 194/2025), revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from govhub.integration import models, services
from govhub.integration.models import AgreementStatus
from govhub.integration.tests.fixtures import Hub, approved_agreement

pytestmark = pytest.mark.django_db


def _request(hub: Hub, submit: bool = True) -> models.Agreement:
    now = timezone.now()
    return services.request_agreement(
        actor=hub.consumer_operator, consumer=hub.consumer, service=hub.service,
        legal_basis="Nghị định 194/2025/NĐ-CP", purpose="Thủ tục đất đai", valid_from=now,
        valid_until=now + timedelta(days=90), submit=submit)


def test_draft_is_submitted_then_approved_by_the_provider(hub: Hub) -> None:
    agreement = _request(hub, submit=False)
    assert agreement.status == AgreementStatus.DRAFT
    agreement = services.submit_agreement(actor=hub.consumer_operator, agreement=agreement)
    agreement = services.approve_agreement(actor=hub.provider_operator, agreement=agreement)
    assert agreement.status == AgreementStatus.APPROVED
    assert agreement.decided_by == hub.provider_operator
    assert agreement.decided_at


def test_the_consumer_cannot_approve_its_own_request(hub: Hub) -> None:
    agreement = _request(hub)
    with pytest.raises(PermissionDenied):
        services.approve_agreement(actor=hub.consumer_operator, agreement=agreement)


@pytest.mark.parametrize(("reason", "basis", "missing"), [
    ("", "Điều 10 NĐ 194/2025", {"refusal_reason"}),
    ("Dữ liệu nhạy cảm", "  ", {"refusal_legal_basis"}),
    ("", "", {"refusal_reason", "refusal_legal_basis"})])
def test_refusal_requires_reason_and_legal_basis(hub: Hub, reason: str, basis: str,
                                                 missing: set[str]) -> None:
    agreement = _request(hub)
    with pytest.raises(ValidationError) as error:
        services.refuse_agreement(actor=hub.provider_operator, agreement=agreement,
                                  reason=reason, legal_basis=basis)
    assert set(error.value.message_dict) == missing
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED


def test_refusal_is_recorded_with_reason_and_basis(hub: Hub) -> None:
    agreement = services.refuse_agreement(
        actor=hub.provider_operator, agreement=_request(hub), reason="Thiếu mục đích cụ thể",
        legal_basis="Khoản 2 Điều 10 Nghị định 194/2025/NĐ-CP")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.REFUSED
    assert agreement.refusal_reason == "Thiếu mục đích cụ thể"
    assert agreement.refusal_legal_basis.startswith("Khoản 2")


def test_a_decided_agreement_cannot_be_decided_again(hub: Hub) -> None:
    agreement = approved_agreement(hub)
    with pytest.raises(ValidationError):
        services.refuse_agreement(actor=hub.provider_operator, agreement=agreement,
                                  reason="x", legal_basis="y")


def test_revoking_ends_the_approval(hub: Hub) -> None:
    agreement = services.revoke_agreement(actor=hub.provider_operator,
                                          agreement=approved_agreement(hub))
    assert agreement.status == AgreementStatus.REVOKED
    assert agreement.revoked_at


def test_window_must_end_after_it_starts(hub: Hub) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError):
        services.request_agreement(actor=hub.consumer_operator, consumer=hub.consumer,
                                   service=hub.service, legal_basis="x", purpose="y",
                                   valid_from=now, valid_until=now)


def test_reimport_cannot_drop_an_operation_an_agreement_names(hub: Hub) -> None:
    approved_agreement(hub, operations=list(hub.service.operations.filter(code="getParcel")))
    only_post = ('openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /parcels:\n'
                 '    post:\n      responses:\n        "201": {description: ok}\n')
    with pytest.raises(ValidationError) as error:
        services.import_description(actor=hub.provider_operator, service=hub.service,
                                    text=only_post)
    assert "getParcel" in " ".join(error.value.messages)
