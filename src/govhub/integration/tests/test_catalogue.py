"""Importing services' descriptions: OpenAPI 3 (JSON or YAML) and WSDL."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from govhub.integration import services
from govhub.integration.tests.fixtures import Hub, document

pytestmark = pytest.mark.django_db


def _codes(service: object) -> dict[str, tuple[str, str]]:
    return {o.code: (o.method, o.path) for o in service.operations.all()}  # type: ignore[attr-defined]


def test_openapi_import_lists_operations_by_id_or_method_and_path(hub: Hub) -> None:
    assert _codes(hub.service) == {"getParcel": ("GET", "/parcels/{parcel_id}"),
                                   "POST /parcels": ("POST", "/parcels")}
    hub.service.refresh_from_db()
    assert hub.service.description_media_type == "application/yaml"
    assert "Cơ sở dữ liệu đất đai" in hub.service.description_document


def test_invalid_openapi_is_refused_naming_what_is_wrong(hub: Hub) -> None:
    with pytest.raises(ValidationError) as error:
        services.import_description(actor=hub.provider_operator, service=hub.service,
                                    text=document("invalid_openapi.json"))
    message = " ".join(error.value.messages)
    assert "info" in message
    assert "version" in message
    assert set(_codes(hub.service)) == {"getParcel", "POST /parcels"}  # nothing replaced


@pytest.mark.parametrize("text", ["{not json", "- just\n- a list\n", "swagger: '2.0'\n"])
def test_unreadable_or_non_v3_documents_are_refused(hub: Hub, text: str) -> None:
    with pytest.raises(ValidationError):
        services.import_description(actor=hub.provider_operator, service=hub.service, text=text)


def test_reimport_keeps_the_data_class_of_surviving_operations(hub: Hub) -> None:
    operation = hub.service.operations.get(code="getParcel")
    services.set_operation_data_class(actor=hub.provider_operator, operation=operation,
                                      data_class="personal")
    services.import_description(actor=hub.provider_operator, service=hub.service,
                                text=document("land_registry.yaml"))
    assert hub.service.operations.get(code="getParcel").data_class == "personal"
    assert hub.service.operations.get(code="POST /parcels").data_class == "reference"


def test_wsdl_import_lists_every_operation(hub: Hub) -> None:
    soap = services.create_service(actor=hub.provider_operator, system=hub.provider,
                                   code="ho-tich", name="Hộ tịch", protocol="soap",
                                   endpoints=["http://127.0.0.1:9/hotich"])
    services.import_description(actor=hub.provider_operator, service=soap,
                                text=document("civil_status.wsdl"))
    assert _codes(soap) == {"DangKyKetHon": ("POST", ""), "TraCuuKhaiSinh": ("POST", "")}
    soap.refresh_from_db()
    assert soap.description_media_type == "application/wsdl+xml"


@pytest.mark.parametrize("text", [
    "<definitions", "<a>not a wsdl</a>",
    '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x"/>'])
def test_invalid_wsdl_is_refused_with_a_clear_error(hub: Hub, text: str) -> None:
    soap = services.create_service(actor=hub.provider_operator, system=hub.provider,
                                   code="ho-tich", name="Hộ tịch", protocol="soap",
                                   endpoints=["http://127.0.0.1:9/hotich"])
    with pytest.raises(ValidationError) as error:
        services.import_description(actor=hub.provider_operator, service=soap, text=text)
    assert "WSDL" in " ".join(error.value.messages)


def test_operator_of_another_agency_cannot_change_the_service(hub: Hub) -> None:
    with pytest.raises(PermissionDenied):
        services.update_service(actor=hub.consumer_operator, service=hub.service, name="Đổi")
