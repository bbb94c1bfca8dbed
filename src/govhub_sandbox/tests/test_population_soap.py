"""The sandbox population database on a real socket, driven by zeep (an independent SOAP
toolkit reading our WSDL) and by hand-written envelopes for what a toolkit would not send."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault

from govhub_sandbox.population import create_app
from govhub_sandbox.population.soap import DANCU, IDENTIFIERS, SOAP_ENV, XROAD
from govhub_sandbox.serving import RunningApp, start_in_thread

HUNG = ("096085000101", "Nguyễn Văn Hùng", date(1985, 3, 12))
THACH = ("096090000108", "Thạch Sô Phal")


@pytest.fixture(scope="module")
def service() -> Iterator[RunningApp]:
    with start_in_thread(create_app(), name="population-sandbox-test") as running:
        yield running


@pytest.fixture(autouse=True)
def _forget(service: RunningApp) -> Iterator[None]:
    yield
    requests.delete(f"{service.url}/_faults", timeout=5).raise_for_status()
    requests.delete(f"{service.url}/_requests", timeout=5).raise_for_status()


@pytest.fixture(scope="module")
def client(service: RunningApp) -> zeep.Client:
    return zeep.Client(f"{service.url}/?wsdl")


def xroad_headers(client: zeep.Client, operation: str, **overrides: str) -> dict[str, Any]:
    client_type = client.get_element(f"{{{XROAD}}}client")
    service_type = client.get_element(f"{{{XROAD}}}service")
    return {
        "client": client_type(xRoadInstance="VN", memberClass="GOV",
                              memberCode="000.00.00.H12", subsystemCode="MOTCUA",
                              objectType="SUBSYSTEM"),
        "service": service_type(xRoadInstance="VN", memberClass="GOV",
                                memberCode="000.00.00.G10", subsystemCode="DANCU",
                                serviceCode=operation, serviceVersion="v1",
                                objectType="SERVICE"),
        "id": "7d9c1f0e-0001", "userId": "canbo.motcua.01", "issue": "1.001612",
        "protocolVersion": "4.0", **overrides}


def test_the_wsdl_parses_with_zeep_and_lists_both_operations(
        client: zeep.Client, service: RunningApp) -> None:
    [soap_service] = client.wsdl.services.values()
    [port] = soap_service.ports.values()
    assert sorted(port.binding._operations) == ["TraCuuThongTinCongDan",
                                                "XacThucThongTinCongDan"]
    # The endpoint in the WSDL is this server, so a client needs nothing else.
    assert port.binding_options["address"] == f"{service.url}/"
    assert port.binding.__class__.__name__ == "Soap11Binding"


def test_a_citizen_is_looked_up_and_the_xroad_header_echoed(client: zeep.Client) -> None:
    headers = xroad_headers(client, "TraCuuThongTinCongDan")
    answer = client.service.TraCuuThongTinCongDan(
        SoDinhDanh=HUNG[0], HoVaTen="nguyễn  văn HÙNG", _soapheaders=headers)
    citizen = answer.body.CongDan
    assert (citizen.SoDinhDanh, citizen.HoVaTen, citizen.NgaySinh) == HUNG
    assert citizen.GioiTinh == "Nam"
    assert citizen.NoiThuongTru.TenXaPhuong == "Phường An Xuyên"
    assert citizen.NoiThuongTru.MaXaPhuong == "32002"
    # X-Road 4.0: the response carries the request's header unchanged.
    assert answer.header.id == "7d9c1f0e-0001"
    assert answer.header.userId == "canbo.motcua.01"
    assert answer.header.client.memberCode == "000.00.00.H12"
    assert answer.header.service.serviceCode == "TraCuuThongTinCongDan"


def test_verification_says_true_only_for_the_right_date_of_birth(client: zeep.Client) -> None:
    headers = xroad_headers(client, "XacThucThongTinCongDan")
    number, name, born = HUNG
    verify = client.service.XacThucThongTinCongDan
    assert verify(SoDinhDanh=number, HoVaTen=name, NgaySinh=born,
                  _soapheaders=headers).body.KetQua is True
    assert verify(SoDinhDanh=number, HoVaTen=name, NgaySinh=date(1985, 3, 13),
                  _soapheaders=headers).body.KetQua is False
    assert verify(SoDinhDanh="096000999999", HoVaTen=name, NgaySinh=born,
                  _soapheaders=headers).body.KetQua is False


def test_an_unknown_citizen_is_a_declared_business_fault(client: zeep.Client) -> None:
    headers = xroad_headers(client, "TraCuuThongTinCongDan")
    # A real number under another name answers exactly like a number nobody holds.
    for number, name in (("096000999999", "Nguyễn Văn Hùng"), (THACH[0], "Nguyễn Văn Hùng")):
        with pytest.raises(Fault) as raised:
            client.service.TraCuuThongTinCongDan(SoDinhDanh=number, HoVaTen=name,
                                                 _soapheaders=headers)
        assert raised.value.code.endswith("Client")
        assert "Không tìm thấy công dân" in raised.value.message
        assert raised.value.detail.findtext(f".//{{{DANCU}}}MaLoi") == "KHONG_TIM_THAY_CONG_DAN"


def envelope(header: str, body: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
            f'<S:Envelope xmlns:S="{SOAP_ENV}" xmlns:xrd="{XROAD}" xmlns:id="{IDENTIFIERS}" '
            f'xmlns:dc="{DANCU}"><S:Header>{header}</S:Header><S:Body>{body}</S:Body>'
            f"</S:Envelope>").encode()


def header(service_code: str = "TraCuuThongTinCongDan", protocol: str = "4.0",
           drop: str = "") -> str:
    parts = {
        "client": '<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>VN</id:xRoadInstance>'
                  "<id:memberClass>GOV</id:memberClass><id:memberCode>000.00.00.H12"
                  "</id:memberCode><id:subsystemCode>MOTCUA</id:subsystemCode></xrd:client>",
        "service": '<xrd:service id:objectType="SERVICE"><id:xRoadInstance>VN</id:xRoadInstance>'
                   "<id:memberClass>GOV</id:memberClass><id:memberCode>000.00.00.G10"
                   f"</id:memberCode><id:serviceCode>{service_code}</id:serviceCode>"
                   "</xrd:service>",
        "id": "<xrd:id>abc-1</xrd:id>", "userId": "<xrd:userId>canbo.01</xrd:userId>",
        "protocolVersion": f"<xrd:protocolVersion>{protocol}</xrd:protocolVersion>"}
    return "".join(value for name, value in parts.items() if name != drop)


LOOKUP = (f"<dc:TraCuuThongTinCongDan><dc:SoDinhDanh>{HUNG[0]}</dc:SoDinhDanh>"
          f"<dc:HoVaTen>{HUNG[1]}</dc:HoVaTen></dc:TraCuuThongTinCongDan>")


def post(service: RunningApp, body: bytes) -> tuple[int, etree._Element]:
    response = requests.post(f"{service.url}/", data=body, timeout=5,
                             headers={"Content-Type": "text/xml; charset=utf-8"})
    assert response.headers["Content-Type"].startswith("text/xml")
    return response.status_code, etree.fromstring(response.content)


def fault_of(document: etree._Element) -> tuple[str, str]:
    fault = document.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, etree.tostring(document)
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""


def test_a_hand_written_envelope_gets_the_record(service: RunningApp) -> None:
    status, document = post(service, envelope(header(), LOOKUP))
    assert status == 200
    assert document.findtext(f".//{{{DANCU}}}HoVaTen") == HUNG[1]
    assert document.findtext(f".//{{{XROAD}}}userId") == "canbo.01"


@pytest.mark.parametrize(("drop", "named"), [
    ("client", "client"), ("service", "service"), ("id", "id"), ("userId", "userId")])
def test_a_missing_xroad_header_part_is_a_client_fault(service: RunningApp, drop: str,
                                                       named: str) -> None:
    status, document = post(service, envelope(header(drop=drop), LOOKUP))
    code, text = fault_of(document)
    assert status == 500  # SOAP 1.1 §6.2
    assert code == "SOAP-ENV:Client"
    assert f"Thiếu tiêu đề X-Road: {named}" in text
    assert f"Missing X-Road header: {named}" in text


def test_no_header_at_all_and_a_wrong_protocol_version_are_refused(
        service: RunningApp) -> None:
    no_header = envelope("", LOOKUP).replace(b"<S:Header></S:Header>", b"")
    code, text = fault_of(post(service, no_header)[1])
    assert code == "SOAP-ENV:Client"
    assert "Thiếu tiêu đề SOAP" in text
    assert "Missing SOAP Header" in text
    code, text = fault_of(post(service, envelope(header(protocol="3.1"), LOOKUP))[1])
    assert "protocolVersion must be 4.0" in text


def test_the_service_code_must_name_the_operation(service: RunningApp) -> None:
    code, text = fault_of(post(service, envelope(header("XacThucThongTinCongDan"), LOOKUP))[1])
    assert code == "SOAP-ENV:Client"
    assert "serviceCode does not match" in text


def test_a_malformed_personal_number_is_a_client_fault(service: RunningApp) -> None:
    body = LOOKUP.replace(HUNG[0], "09608500010")  # 11 digits
    code, text = fault_of(post(service, envelope(header(), body))[1])
    assert code == "SOAP-ENV:Client"
    assert "12 chữ số" in text


def test_a_dtd_and_external_entities_are_refused_unread(service: RunningApp) -> None:
    # An external entity (a loopback address where nothing listens) and an internal one whose
    # expansion would show in the answer: neither is read.
    doctype = ('<!DOCTYPE S:Envelope [<!ENTITY x SYSTEM "http://127.0.0.1:9/bi-mat">'
               '<!ENTITY y "DA-MO-RONG">]>')
    body = LOOKUP.replace(HUNG[1], "&x;&y;")
    status, document = post(service, envelope(header(), body, doctype))
    code, text = fault_of(document)
    assert (status, code) == (500, "SOAP-ENV:Client")
    assert "DTD" in text
    assert b"DA-MO-RONG" not in etree.tostring(document)


def test_what_is_not_xml_is_a_client_fault(service: RunningApp) -> None:
    code, text = fault_of(post(service, b"{\"SoDinhDanh\": 1}")[1])
    assert code == "SOAP-ENV:Client"
    assert "XML" in text


def test_health_and_the_request_log(service: RunningApp) -> None:
    assert requests.get(f"{service.url}/health", timeout=5).json() == {"status": "ok"}
    post(service, envelope(header(), LOOKUP))
    [lookup, probe] = requests.get(f"{service.url}/_requests", timeout=5).json()["requests"]
    assert probe["path"] == "/health"
    assert lookup["operation"] == "TraCuuThongTinCongDan"
    assert lookup["status"] == 200
    assert lookup["xroad"]["client"] == {"xRoadInstance": "VN", "memberClass": "GOV",
                                         "memberCode": "000.00.00.H12",
                                         "subsystemCode": "MOTCUA"}
    assert (lookup["xroad"]["id"], lookup["xroad"]["userId"]) == ("abc-1", "canbo.01")


def test_a_date_of_birth_that_is_not_an_xs_date_is_a_client_fault(service: RunningApp) -> None:
    body = (f"<dc:XacThucThongTinCongDan><dc:SoDinhDanh>{HUNG[0]}</dc:SoDinhDanh>"
            f"<dc:HoVaTen>{HUNG[1]}</dc:HoVaTen><dc:NgaySinh>12/03/1985</dc:NgaySinh>"
            "</dc:XacThucThongTinCongDan>")
    code, text = fault_of(post(service, envelope(header("XacThucThongTinCongDan"), body))[1])
    assert code == "SOAP-ENV:Client"
    assert "YYYY-MM-DD" in text
