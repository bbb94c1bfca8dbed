"""The integration pages of the web admin: they render for an operator, show only the
operator's agencies, and the refusal form keeps what was typed and explains in Vietnamese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone, translation

from govhub.integration import models, services
from govhub.integration.models import AgreementStatus
from govhub.integration.tests.chain import make_chain
from govhub.integration.tests.fixtures import Hub, approved_agreement, pem, publish
from govhub_contracts.snapshot import EvidenceBatch, EvidenceHead, Heartbeat

pytestmark = pytest.mark.django_db

ADMIN = "/admin/integration"
MODELS = ["member", "system", "service", "apikey", "oauthbinding", "certificate", "quota",
          "agreement", "gateway", "configsnapshot", "evidencerecord"]


def _browser(account: Any) -> HttpClient:
    client = HttpClient()
    client.force_login(account)
    return client


@pytest.fixture
def filled(hub: Hub) -> Hub:
    """One of everything, so every list and change page has a row to draw."""
    approved_agreement(hub)
    services.issue_api_key(actor=hub.consumer_operator, system=hub.consumer, label="k")
    services.set_quota(actor=hub.consumer_operator, system=hub.consumer, requests=10,
                       per_seconds=1)
    gateway, _token = services.register_gateway(actor=hub.platform, code="gw-1", name="GW 1")
    services.store_evidence(gateway=gateway, batch=EvidenceBatch(records=make_chain("gw-1", 2)))
    services.create_oauth_client(actor=hub.platform, system=hub.consumer, name="Máy một cửa")
    services.bind_certificate(actor=hub.consumer_operator, system=hub.consumer, pem=pem())
    publish()
    return hub


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_change_page_renders(filled: Hub, model: str) -> None:
    browser = _browser(filled.platform)
    listing = browser.get(f"{ADMIN}/{model}/")
    assert listing.status_code == 200
    row = listing.context["cl"].result_list[0]
    assert browser.get(f"{ADMIN}/{model}/{row.pk}/change/").status_code == 200


@pytest.mark.parametrize("model", ["member", "system", "service", "apikey", "certificate",
                                   "agreement", "gateway", "quota", "oauthbinding"])
def test_add_pages_render(filled: Hub, model: str) -> None:
    assert _browser(filled.platform).get(f"{ADMIN}/{model}/add/").status_code == 200


def test_snapshots_and_evidence_cannot_be_changed_or_deleted(filled: Hub) -> None:
    browser = _browser(filled.platform)
    snapshot = models.ConfigSnapshot.objects.first()
    record = models.EvidenceRecord.objects.first()
    assert snapshot is not None
    assert record is not None
    assert browser.get(f"{ADMIN}/configsnapshot/add/").status_code == 403
    assert browser.post(f"{ADMIN}/evidencerecord/{record.pk}/delete/",
                        {"post": "yes"}).status_code == 403
    page = browser.get(f"{ADMIN}/configsnapshot/{snapshot.pk}/change/")
    assert b'name="_save"' not in page.content
    assert models.EvidenceRecord.objects.filter(pk=record.pk).exists()


def test_evidence_search_by_request_id(filled: Hub) -> None:
    page = _browser(filled.platform).get(f"{ADMIN}/evidencerecord/", {"q": "req-2"})
    assert [r.request_id for r in page.context["cl"].result_list] == ["req-2"]
    page = _browser(filled.platform).get(f"{ADMIN}/evidencerecord/",
                                         {"request_id": "req-1", "status": "200"})
    assert [r.request_id for r in page.context["cl"].result_list] == ["req-1"]


def test_gateway_list_shows_stale_and_behind(filled: Hub) -> None:
    with translation.override("vi"):
        stale = translation.gettext("stale (no heartbeat for over 30 s)")
        alive = translation.gettext("alive")
        behind = translation.gettext("v%(has)s, behind v%(latest)s")
    latest = models.ConfigSnapshot.objects.order_by("-version").first()
    assert latest is not None
    browser = _browser(filled.platform)
    text = browser.get(f"{ADMIN}/gateway/").content.decode()
    assert stale in text  # registered, never reported
    assert behind % {"has": "—", "latest": latest.version} in text
    gateway = models.Gateway.objects.get(code="gw-1")
    services.record_heartbeat(gateway=gateway, heartbeat=Heartbeat(
        gateway="gw-1", software_version="0.1", snapshot_version=latest.version,
        snapshot_revision=latest.revision, started_at=timezone.now()))
    text = browser.get(f"{ADMIN}/gateway/").content.decode()
    assert stale not in text
    assert f'<td class="field-snapshot_state">v{latest.version}</td>' in text  # up to date
    assert f"<td class=\"field-health\">{alive}</td>" in text


def test_gateway_page_shows_the_evidence_heads_it_reported(filled: Hub) -> None:
    gateway = models.Gateway.objects.get(code="gw-1")
    services.record_heartbeat(gateway=gateway, heartbeat=Heartbeat(
        gateway="gw-1", software_version="0.1", started_at=timezone.now(),
        evidence_head=EvidenceHead(sequence=4242, hash="ab" * 32),
        evidence_shipped=EvidenceHead(sequence=4240, hash="cd" * 32)))
    with translation.override("vi"):
        page = _browser(filled.platform).get(f"{ADMIN}/gateway/{gateway.pk}/change/",
                                             HTTP_ACCEPT_LANGUAGE="vi")
    text = page.content.decode()
    assert "4242" in text
    assert "4240" in text
    assert "bản ghi bằng chứng đã được xác nhận gần nhất" in text.lower()


def test_operator_sees_only_own_agency_in_admin(filled: Hub) -> None:
    provider = _browser(filled.provider_operator).get(f"{ADMIN}/system/")
    consumer = _browser(filled.consumer_operator).get(f"{ADMIN}/system/")
    assert [s.code for s in provider.context["cl"].result_list] == ["dat-dai"]
    assert [s.code for s in consumer.context["cl"].result_list] == ["mot-cua"]
    other = _browser(filled.provider_operator).get(
        f"{ADMIN}/system/{filled.consumer.pk}/change/")
    assert other.status_code == 302  # looks like an object that does not exist
    keys = _browser(filled.provider_operator).get(f"{ADMIN}/apikey/")
    assert list(keys.context["cl"].result_list) == []


def _submitted(hub: Hub) -> models.Agreement:
    now = timezone.now()
    return services.request_agreement(
        actor=hub.consumer_operator, consumer=hub.consumer, service=hub.service,
        legal_basis="Nghị định 194/2025/NĐ-CP", purpose="Thủ tục đất đai", valid_from=now,
        valid_until=now + timedelta(days=30))


def test_refusal_form_keeps_input_and_shows_the_vietnamese_error(hub: Hub) -> None:
    agreement = _submitted(hub)
    url = f"{ADMIN}/agreement/{agreement.pk}/refuse/"
    browser = _browser(hub.provider_operator)
    assert browser.get(url).status_code == 200
    response = browser.post(url, {"refusal_reason": "Dữ liệu cá nhân nhạy cảm",
                                  "refusal_legal_basis": "   "})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dữ liệu cá nhân nhạy cảm" in text  # what was typed is still there
    # The message in the page's language (vi); the lead's catalogue supplies the wording.
    with translation.override("vi"):
        expected = translation.gettext("Cite the legal basis for refusing.")
    assert '<ul class="errorlist' in text
    assert expected in text
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED


def test_refusal_through_the_admin_is_visible_to_the_requester(hub: Hub) -> None:
    agreement = _submitted(hub)
    response = _browser(hub.provider_operator).post(
        f"{ADMIN}/agreement/{agreement.pk}/refuse/",
        {"refusal_reason": "Chưa có văn bản đề nghị",
         "refusal_legal_basis": "Điều 10 Nghị định 194/2025/NĐ-CP"})
    assert response.status_code == 302
    page = _browser(hub.consumer_operator).get(f"{ADMIN}/agreement/{agreement.pk}/change/")
    assert page.status_code == 200
    assert "Chưa có văn bản đề nghị" in page.content.decode()


def test_the_consumer_cannot_open_the_refusal_form(hub: Hub) -> None:
    agreement = _submitted(hub)
    response = _browser(hub.consumer_operator).get(f"{ADMIN}/agreement/{agreement.pk}/refuse/")
    assert response.status_code == 403


def test_approve_action_and_expired_label(hub: Hub) -> None:
    agreement = _submitted(hub)
    browser = _browser(hub.provider_operator)
    response = browser.post(f"{ADMIN}/agreement/", {
        "action": "approve_selected", "_selected_action": [str(agreement.pk)]})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.APPROVED
    models.Agreement.objects.filter(pk=agreement.pk).update(
        valid_until=timezone.now() - timedelta(minutes=1))
    listing = browser.get(f"{ADMIN}/agreement/").content.decode()
    assert "hết hạn" in listing or "expired" in listing


def test_issuing_a_key_in_the_admin_shows_the_token_once(hub: Hub) -> None:
    browser = _browser(hub.consumer_operator)
    response = browser.post(f"{ADMIN}/apikey/add/", {"system": hub.consumer.pk,
                                                     "label": "máy chủ"}, follow=True)
    assert response.status_code == 200
    key = models.ApiKey.objects.get(system=hub.consumer)
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"ghk_{key.key_id}_" in m for m in shown)
    again = browser.get(f"{ADMIN}/apikey/{key.pk}/change/").content.decode()
    assert f"ghk_{key.key_id}_" not in again


def test_import_form_reports_invalid_document(hub: Hub) -> None:
    url = f"{ADMIN}/service/{hub.service.pk}/import/"
    browser = _browser(hub.provider_operator)
    assert browser.get(url).status_code == 200
    response = browser.post(url, {"text": '{"openapi": "3.0.3", "paths": {}}'})
    assert response.status_code == 200
    assert "info" in response.content.decode()


def _form_data(response: Any) -> dict[str, str]:
    """What the change page's form posts back unchanged (main form and inline formsets)."""
    data: dict[str, str] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = str(value)
    return data


def test_service_page_sets_data_class_and_adds_a_maintenance_window(hub: Hub) -> None:
    browser = _browser(hub.provider_operator)
    url = f"{ADMIN}/service/{hub.service.pk}/change/"
    data = _form_data(browser.get(url))
    operations = list(hub.service.operations.order_by("path", "method", "code"))
    index = [o.code for o in operations].index("getParcel")
    data[f"operations-{index}-data_class"] = "sensitive"
    data.update({"maintenance-TOTAL_FORMS": "1", "maintenance-0-starts_at_0": "01/12/2026",
                 "maintenance-0-starts_at_1": "22:00:00", "maintenance-0-ends_at_0": "01/12/2026",
                 "maintenance-0-ends_at_1": "23:00:00", "maintenance-0-notice": "Bảo trì"})
    response = browser.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert hub.service.operations.get(code="getParcel").data_class == "sensitive"
    assert [w.notice for w in hub.service.maintenance.all()] == ["Bảo trì"]
