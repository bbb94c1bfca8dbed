"""The aiohttp application of the sandbox population database.

``POST /`` takes SOAP 1.1 envelopes with the X-Road 4.0 header; ``GET /?wsdl`` serves the
WSDL; ``GET /health`` is the probe; ``/_faults`` and ``/_requests`` are the sandbox's own.
"""

import re
from datetime import date

from aiohttp import web
from lxml import etree

from govhub_sandbox import upstream_kit
from govhub_sandbox.population.citizens import Citizen, Registry
from govhub_sandbox.population.soap import (
    DANCU,
    SOAP_CONTENT_TYPE,
    Envelope,
    SoapFaultError,
    client_fault,
    dc,
    fault_envelope,
    parse_envelope,
    response_envelope,
)
from govhub_sandbox.population.wsdl import OPERATIONS, wsdl_document
from govhub_sandbox.upstream_kit import (
    LOG_ENTRY,
    UpstreamFault,
    UpstreamFaultInjector,
    record_requests,
)

ENDPOINTS = (*OPERATIONS, "wsdl", "health")
SO_DINH_DANH = re.compile(r"^\d{12}$")  # the 12-digit personal identification number
REGISTRY = web.AppKey("population_registry", Registry)
NOT_FOUND = "KHONG_TIM_THAY_CONG_DAN"


def soap_response(body: bytes, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(body=body, status=status, headers=headers)
    response.headers["Content-Type"] = SOAP_CONTENT_TYPE
    return response


def fault_response(fault: SoapFaultError, headers: dict[str, str] | None = None) -> web.Response:
    return soap_response(fault_envelope(fault), fault.http_status, headers)


def unavailable(endpoint: str, status: int) -> web.Response:
    """An injected outage: a Server fault, with 503 + Retry-After (RFC 9110 §15.6.4) when
    the outage is declared temporary."""
    fault = SoapFaultError("Server", "Hệ thống tạm thời không phục vụ",
                      f"Service unavailable (sandbox fault on {endpoint})", http_status=status)
    return fault_response(fault, {"Retry-After": "1"} if status == 503 else None)


def _field(operation: etree._Element, name: str) -> str:
    found = operation.find(f"{{{DANCU}}}{name}")
    if found is None or not (found.text or "").strip():
        raise client_fault(f"Thiếu trường {name}", f"Missing field {name}")
    return (found.text or "").strip()


def _so_dinh_danh(operation: etree._Element) -> str:
    value = _field(operation, "SoDinhDanh")
    if not SO_DINH_DANH.match(value):
        raise client_fault("SoDinhDanh phải gồm đúng 12 chữ số",
                           "SoDinhDanh must be exactly 12 digits")
    return value


def _citizen_element(citizen: Citizen) -> etree._Element:
    response = dc(None, "TraCuuThongTinCongDanResponse")
    record = dc(response, "CongDan")
    for name, value in (("SoDinhDanh", citizen.so_dinh_danh), ("HoVaTen", citizen.ho_va_ten),
                        ("NgaySinh", citizen.ngay_sinh.isoformat()),
                        ("GioiTinh", citizen.gioi_tinh), ("DanToc", citizen.dan_toc),
                        ("QuocTich", citizen.quoc_tich), ("QueQuan", citizen.que_quan)):
        dc(record, name, value)
    residence = dc(record, "NoiThuongTru")
    place = citizen.noi_thuong_tru
    for name, value in (("DiaChiChiTiet", place.detail), ("MaXaPhuong", place.commune_code),
                        ("TenXaPhuong", place.commune_name), ("TinhThanhPho", place.province)):
        dc(residence, name, value)
    return response


def look_up(registry: Registry, operation: etree._Element) -> etree._Element:
    citizen = registry.find(_so_dinh_danh(operation), _field(operation, "HoVaTen"))
    if citizen is None:
        # A declared business fault: the request was right, the data is not there.
        raise SoapFaultError("Client", "Không tìm thấy công dân với số định danh và họ tên đã cho",
                        "No citizen with this identification number and name",
                        business_code=NOT_FOUND)
    return _citizen_element(citizen)


def verify(registry: Registry, operation: etree._Element) -> etree._Element:
    number, name = _so_dinh_danh(operation), _field(operation, "HoVaTen")
    try:
        born = date.fromisoformat(_field(operation, "NgaySinh"))
    except ValueError as error:
        raise client_fault("NgaySinh phải có dạng YYYY-MM-DD (xs:date)",
                           "NgaySinh must be an xs:date, YYYY-MM-DD") from error
    response = dc(None, "XacThucThongTinCongDanResponse")
    dc(response, "KetQua", "true" if registry.verify(number, name, born) else "false")
    return response


OPERATION_HANDLERS = {"TraCuuThongTinCongDan": look_up, "XacThucThongTinCongDan": verify}


async def _interfere(request: web.Request, endpoint: str) -> web.StreamResponse | None:
    return await request.app[upstream_kit.FAULTS].interfere_with(request, endpoint)


async def soap_endpoint(request: web.Request) -> web.StreamResponse:
    try:
        envelope = parse_envelope(await request.read())
    except SoapFaultError as fault:
        return fault_response(fault)
    request[LOG_ENTRY]["xroad"] = envelope.xroad.as_dict()
    name = etree.QName(envelope.operation).localname
    request[LOG_ENTRY]["operation"] = name
    faulty = await _interfere(request, name)
    if faulty is not None:
        return faulty
    return _answer(request.app[REGISTRY], envelope, name)


def _answer(registry: Registry, envelope: Envelope, name: str) -> web.Response:
    handler = OPERATION_HANDLERS.get(name)
    try:
        if handler is None or etree.QName(envelope.operation).namespace != DANCU:
            raise client_fault(f"Không có thao tác {name}", f"Unknown operation {name}")
        content = handler(registry, envelope.operation)
    except SoapFaultError as fault:
        return fault_response(fault)
    return soap_response(response_envelope(envelope.header_element, content))


async def wsdl_or_help(request: web.Request) -> web.StreamResponse:
    if "wsdl" not in request.query:
        return web.Response(text="Dịch vụ SOAP: POST / ; mô tả dịch vụ: GET /?wsdl\n"
                                 "SOAP service: POST / ; description: GET /?wsdl\n")
    faulty = await _interfere(request, "wsdl")
    if faulty is not None:
        return faulty
    address = f"{request.scheme}://{request.host}/"
    return web.Response(text=wsdl_document(address), content_type="text/xml",
                        charset="utf-8")


def create_app(faults: dict[str, UpstreamFault] | None = None,
               registry: Registry | None = None) -> web.Application:
    app = web.Application(middlewares=[record_requests, upstream_kit.inject_faults])
    upstream_kit.install(app, UpstreamFaultInjector(unavailable, ENDPOINTS, faults))
    app[REGISTRY] = registry or Registry()
    app.router.add_post("/", soap_endpoint)
    # GET / serves the WSDL; its faults are applied in the handler (only for ?wsdl).
    app.router.add_get("/", wsdl_or_help)
    app.router.add_get("/health", upstream_kit.health, name="health")
    return app
