"""The integration hub's part of the Cà Mau demo: the sandbox
providers registered with their real documents, a demo consumer with approved agreements and an
API key, a consumer whose request was refused in writing, the citizen app (its home-screen
cards: prices, weather, events) and the land-parcel mini-app as consumers with their own keys,
and the demo gateway with its token.

Idempotent, like identity's seed: a second run finds what the first made. Secrets (the
gateway token, the API keys) are shown once by the services, so the seed keeps them in
``var/secrets/demo-hub.json`` for the demo's processes and the README's curl calls; when that
file is lost it rotates them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govhub.integration import services
from govhub.integration.models import (
    Agreement,
    AgreementStatus,
    ApiKey,
    Gateway,
    Member,
    Operation,
    Service,
    System,
)
from govhub.kernel.actors import SystemActor

if TYPE_CHECKING:
    from govhub.identity.models import Agency

DEMO = SystemActor("govhub demo (hub)")
GATEWAY_CODE = "gw-camau-1"
# Sandbox providers (govhub_sandbox.upstreams) at their default ports; `govhub demo` passes
# others when these are taken.
UPSTREAM_URLS = {"population": "http://127.0.0.1:8093", "land": "http://127.0.0.1:8094",
                 "agriculture": "http://127.0.0.1:8095", "weather": "http://127.0.0.1:8096",
                 "tourism": "http://127.0.0.1:8097"}
# The citizen app (UBND tỉnh's "Chính quyền số") and the land-parcel mini-app (Sở NN&MT):
# consumers of their own, so the evidence log says which one asked (exchange contract §1).
PORTAL_SYSTEM = ("chinhquyenso", "Ứng dụng Chính quyền số Cà Mau (CaMau-G)")
MINIAPP_SYSTEM = ("tracuuthuadat", "Mini-app tra cứu thửa đất")
BASIS = "Nghị định 278/2025/NĐ-CP về chia sẻ dữ liệu bắt buộc giữa các cơ quan nhà nước"
# Bộ Công an's code is illustrative (verify the registered codes).
CENTRAL_MEMBER = ("000.00.00.G10", "Bộ Công an")
# Decree 194/2025: a refusal states its reason and legal basis.
REFUSAL = ("Cổng du lịch không cần dữ liệu nhân thân của công dân để giới thiệu điểm đến; "
           "yêu cầu vượt quá mục đích đã nêu.",
           "Điều 3 Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 (nguyên tắc tối thiểu hóa); "
           "Nghị định 194/2025/NĐ-CP.")


@dataclass(frozen=True)
class HubDemo:
    gateway_code: str
    gateway_token: str
    consumer: str  # ``member/system`` of the demo consumer
    consumer_key: str
    other_consumer: str
    other_key: str
    portal_consumer: str  # the citizen app, for its home-screen cards
    portal_key: str
    miniapp_consumer: str  # the land-parcel mini-app
    miniapp_key: str


def secrets_file() -> Path:
    return Path(settings.GOVHUB_DATA_DIR) / "secrets" / "demo-hub.json"


def _member(code: str, name: str, agency: Agency | None, is_central: bool = False) -> Member:
    return Member.objects.filter(code=code).first() or services.create_member(
        actor=DEMO, code=code, name=name, agency=agency, is_central=is_central)


def _agency_member(agency: Agency) -> Member:
    # X-Road's member code is the agency's electronic identification code (ADR 0013).
    assert agency.electronic_id_code, f"{agency} has no electronic identification code"
    return _member(agency.electronic_id_code, agency.name, agency)


def _system(member: Member, code: str, name: str, agency: Agency | None) -> System:
    return System.objects.filter(member=member, code=code).first() or services.create_system(
        actor=DEMO, member=member, code=code, name=name, agency=agency)


def _service(system: System, code: str, document: str, endpoint: str, **fields: Any) -> Service:
    service = Service.objects.filter(system=system, code=code).first()
    if service is None:
        service = services.create_service(actor=DEMO, system=system, code=code,
                                          endpoints=[endpoint], **fields)
        services.import_description(actor=DEMO, service=service, text=document)
    elif [e.url for e in service.endpoints.order_by("position")] != [endpoint]:
        services.set_endpoints(actor=DEMO, service=service, urls=[endpoint])  # ports moved
    return service


def _personal(service: Service, *codes: str) -> None:
    for operation in service.operations.filter(code__in=codes):
        if operation.data_class != "personal":
            services.set_operation_data_class(actor=DEMO, operation=operation,
                                              data_class="personal")


def _agreement(consumer: System, service: Service, operations: list[str], purpose: str,
               legal_basis: str, fields: list[str]) -> Agreement:
    existing = Agreement.objects.filter(consumer=consumer, service=service).first()
    if existing is not None:
        return existing
    now = timezone.now()
    return services.request_agreement(
        actor=DEMO, consumer=consumer, service=service, legal_basis=legal_basis,
        purpose=purpose, valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=365),
        operations=list(Operation.objects.filter(service=service, code__in=operations)),
        fields=fields)


def _providers(agencies: dict[str, Agency], urls: dict[str, str]) -> dict[str, Service]:
    # The sandbox's own documents, imported as an operator would paste them.
    from govhub_sandbox.agriculture.openapi import openapi_document as agriculture_document
    from govhub_sandbox.land.openapi import openapi_document as land_document
    from govhub_sandbox.population.wsdl import wsdl_document

    department = agencies["sonnmt"]
    nnmt = _agency_member(department)
    ministry = _member(*CENTRAL_MEMBER, agency=None, is_central=True)
    land = _service(
        _system(nnmt, "datdai", "Hệ thống thông tin đất đai", department), "thuadat",
        json.dumps(land_document(urls["land"]), ensure_ascii=False), urls["land"],
        name="Tra cứu thửa đất", protocol="rest", agency=department, timeout_seconds=5.0,
        support_contact="Văn phòng Đăng ký đất đai — 0290 3 800 000")
    _personal(land, "getParcel")
    prices = _service(
        _system(nnmt, "nongnghiep", "Cơ sở dữ liệu nông nghiệp", department), "gianongsan",
        json.dumps(agriculture_document(urls["agriculture"]), ensure_ascii=False),
        urls["agriculture"], name="Giá nông sản", protocol="rest", agency=department,
        timeout_seconds=5.0, support_contact="Chi cục Phát triển nông thôn")
    population = _service(
        _system(ministry, "csdldc", "Cơ sở dữ liệu quốc gia về dân cư", None), "dancu",
        wsdl_document(f"{urls['population']}/"), f"{urls['population']}/",
        name="Tra cứu, xác thực công dân",
        protocol="soap", timeout_seconds=10.0, log_bodies=False,
        support_contact="Trung tâm dữ liệu quốc gia về dân cư (C06)")
    _personal(population, "TraCuuThongTinCongDan", "XacThucThongTinCongDan")
    return {"land": land, "prices": prices, "population": population,
            **_card_providers(agencies, urls)}


def _card_providers(agencies: dict[str, Agency], urls: dict[str, str]) -> dict[str, Service]:
    """The reference data the citizen app's cards show besides prices. The station is not
    a provincial body; its service is registered under Sở NN&MT, which oversees it locally."""
    from govhub_sandbox.tourism.openapi import openapi_document as tourism_document
    from govhub_sandbox.weather.openapi import openapi_document as weather_document

    department, culture = agencies["sonnmt"], agencies["sovhttdl"]
    weather = _service(
        _system(_agency_member(department), "kttv",
                "Đài Khí tượng Thủy văn tỉnh Cà Mau", department), "thoitiet",
        json.dumps(weather_document(urls["weather"]), ensure_ascii=False), urls["weather"],
        name="Dự báo thời tiết và cảnh báo thiên tai", protocol="rest", agency=department,
        timeout_seconds=5.0, support_contact="Đài Khí tượng Thủy văn tỉnh Cà Mau")
    events = _service(
        _system(_agency_member(culture), "dulich", "Cổng thông tin du lịch Cà Mau", culture),
        "sukien", json.dumps(tourism_document(urls["tourism"]), ensure_ascii=False),
        urls["tourism"], name="Lễ hội, sự kiện du lịch", protocol="rest", agency=culture,
        timeout_seconds=5.0, support_contact="Sở Văn hóa, Thể thao và Du lịch")
    return {"weather": weather, "tourism": events}


def _approved(consumer: System, service: Service, operations: list[str], purpose: str,
              fields: list[str]) -> None:
    agreement = _agreement(consumer, service, operations, purpose, BASIS, fields)
    if agreement.status == AgreementStatus.SUBMITTED:
        services.approve_agreement(actor=DEMO, agreement=agreement)


def _app_consumers(agencies: dict[str, Agency],
                   provided: dict[str, Service]) -> tuple[System, System]:
    """The citizen app reads reference data only (its cards, same for everyone); the
    mini-app looks up parcels for a signed-in citizen."""
    province = agencies["ubnd"]
    portal = _system(_agency_member(province), *PORTAL_SYSTEM, province)
    for key, purpose, fields in (
        ("prices", "Thẻ giá nông sản trên màn hình chính", ["mat_hang", "gia", "cho"]),
        ("weather", "Thẻ thời tiết và cảnh báo thiên tai trên màn hình chính",
         ["du_bao", "canh_bao"]),
        ("tourism", "Thẻ lễ hội, sự kiện du lịch trên màn hình chính", ["su_kien"]),
    ):
        _approved(portal, provided[key], [], purpose, fields)
    department = agencies["sonnmt"]
    miniapp = _system(_agency_member(department), *MINIAPP_SYSTEM, department)
    _approved(miniapp, provided["land"], ["searchParcels", "getParcel", "getParcelPlanning"],
              "Người dân tra cứu thông tin, quy hoạch thửa đất của mình",
              ["so_to", "so_thua", "dien_tich", "muc_dich_su_dung", "quy_hoach"])
    return portal, miniapp


def _consumers(agencies: dict[str, Agency], provided: dict[str, Service]) -> tuple[System, System]:
    office = agencies["vp"]
    one_stop = _system(_agency_member(office), "motcua",
                       "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh", office)
    tourism_agency = agencies["sovhttdl"]
    tourism = _system(_agency_member(tourism_agency), "dulich", "Cổng thông tin du lịch Cà Mau",
                      tourism_agency)
    basis = BASIS
    for key, operations, purpose, fields in (
        ("land", ["searchParcels", "getParcel", "getParcelPlanning"],
         "Giải quyết thủ tục đất đai trên Cổng dịch vụ công tỉnh",
         ["so_to", "so_thua", "dien_tich", "muc_dich_su_dung"]),
        ("prices", [], "Hiển thị giá nông sản cho người dân", ["mat_hang", "gia", "cho"]),
        ("population", ["TraCuuThongTinCongDan"],
         "Xác minh nhân thân người nộp hồ sơ thủ tục hành chính",
         ["HoVaTen", "NgaySinh", "NoiThuongTru"]),
    ):
        agreement = _agreement(one_stop, provided[key], operations, purpose, basis, fields)
        if agreement.status == AgreementStatus.SUBMITTED:
            services.approve_agreement(actor=DEMO, agreement=agreement)
    refused = _agreement(tourism, provided["population"], ["TraCuuThongTinCongDan"],
                         "Giới thiệu điểm du lịch cho du khách", "Công văn đề nghị của Sở",
                         ["HoVaTen", "NgaySinh"])
    if refused.status == AgreementStatus.SUBMITTED:
        services.refuse_agreement(actor=DEMO, agreement=refused, reason=REFUSAL[0],
                                  legal_basis=REFUSAL[1])
    if not hasattr(one_stop, "quota"):
        services.set_quota(actor=DEMO, system=one_stop, requests=600, per_seconds=60)
    return one_stop, tourism


def _key(system: System, stored: dict[str, str]) -> str:
    client = system.client_id
    live = ApiKey.objects.filter(system=system, revoked_at__isnull=True).first()
    if live is not None and client in stored:
        return stored[client]
    if live is not None:  # the file was lost: rotate so the demo knows the key again
        _, token = services.rotate_api_key(actor=DEMO, key=live)
    else:
        _, token = services.issue_api_key(actor=DEMO, system=system, label="demo")
    return token


def _gateway(stored: dict[str, str], admin_url: str) -> str:
    gateway = Gateway.objects.filter(code=GATEWAY_CODE).first()
    if gateway is None:
        return services.register_gateway(actor=DEMO, code=GATEWAY_CODE,
                                         name="Cổng trục liên thông Cà Mau (demo)",
                                         admin_url=admin_url)[1]
    if "gateway" in stored:
        return stored["gateway"]
    return services.rotate_gateway_token(actor=DEMO, gateway=gateway)


def seed(agencies: dict[str, Agency], *, gateway_admin_url: str,
         upstream_urls: dict[str, str] | None = None) -> HubDemo:
    path = secrets_file()
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    with transaction.atomic():  # one snapshot for the whole seed
        provided = _providers(agencies, {**UPSTREAM_URLS, **(upstream_urls or {})})
        one_stop, tourism = _consumers(agencies, provided)
        portal, miniapp = _app_consumers(agencies, provided)
        result = HubDemo(GATEWAY_CODE, _gateway(stored, gateway_admin_url),
                         one_stop.client_id, _key(one_stop, stored),
                         tourism.client_id, _key(tourism, stored),
                         portal.client_id, _key(portal, stored),
                         miniapp.client_id, _key(miniapp, stored))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # "portal" and "miniapp" are what the demo's processes read; the client ids serve curl.
    path.write_text(json.dumps({"gateway": result.gateway_token,
                                result.consumer: result.consumer_key,
                                result.other_consumer: result.other_key,
                                result.portal_consumer: result.portal_key,
                                result.miniapp_consumer: result.miniapp_key,
                                "portal": result.portal_key,
                                "miniapp": result.miniapp_key}, indent=2))
    path.chmod(0o600)
    return result
