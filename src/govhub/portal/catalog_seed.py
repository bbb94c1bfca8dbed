"""The demo catalog: what CaMau-G integrates (docs/vietnam.md, the citizen app), through services
only, idempotent (an entry already there is left as the administrators changed it).

Addresses, package names and contacts are illustrative, not the providers' registered
values: verify them with each provider before a real deployment."""

from __future__ import annotations

from typing import Any

from govhub.identity import queries as identity_queries
from govhub.kernel.actors import SystemActor
from govhub.portal import services
from govhub.portal.models import Audience, Category, Kind, LoginLevel, MiniApp, Status

SEED = SystemActor("govhub catalog seed")
# Owners by electronic identification code (identity/demo.py AGENCIES), communes by code.
COMMITTEE, AGRICULTURE, HEALTH, EDUCATION, TOURISM, DIGITAL = (
    "000.00.00.H12", "000.00.03.H12", "000.00.04.H12", "000.00.05.H12", "000.00.06.H12",
    "000.02.01.H12")
COMMUNE_B = "32014"  # Phường Lý Văn Lâm (identity.demo.COMMUNE_B)
LAND_PARCEL_URL = "http://127.0.0.1:8070/"

E = Kind.EXTERNAL
ENTRIES: list[dict[str, Any]] = [
    dict(code="hop-thu", name_vi="Hộp thư", name_en="Inbox", category=Category.PUBLIC_SERVICES,
         kind=Kind.INTERNAL, status=Status.COMING_SOON, order=1, owner=DIGITAL,
         login_level=LoginLevel.SIGNED_IN,
         description_vi="Thông báo của chính quyền gửi riêng cho bạn: kết quả hồ sơ, lịch "
         "hẹn, cảnh báo thiên tai tại nơi bạn sống.",
         description_en="Messages from the government to you: case results, appointments, "
         "disaster alerts where you live."),
    dict(code="lich-cong-tac", name_vi="Lịch công tác", name_en="Leaders' schedules",
         category=Category.PUBLIC_SERVICES, kind=Kind.INTERNAL, status=Status.COMING_SOON,
         order=2, owner=COMMITTEE,
         description_vi="Lịch công tác tuần của lãnh đạo UBND tỉnh, cập nhật ngay khi thay "
         "đổi.", description_en="The provincial leaders' weekly schedules, updated as they "
         "change."),
    dict(code="phan-anh-hien-truong", name_vi="Phản ánh hiện trường", name_en="Field reports",
         category=Category.PUBLIC_SERVICES, kind=Kind.INTERNAL, status=Status.COMING_SOON,
         order=3, owner=COMMITTEE, login_level=LoginLevel.SIGNED_IN, is_featured=True,
         description_vi="Gửi ảnh và vị trí sự việc (đường hư, rác thải, ngập nước…); đơn vị "
         "phụ trách xử lý và trả lời công khai.",
         description_en="Send a photo and location of a problem (broken road, waste, "
         "flooding…); the responsible unit handles it and answers publicly."),
    dict(code="thua-dat", name_vi="Tra cứu thông tin đất đai", name_en="Land information",
         category=Category.LAND, kind=Kind.WEB, url=LAND_PARCEL_URL, order=10,
         owner=AGRICULTURE, login_level=LoginLevel.SIGNED_IN, is_featured=True,
         scopes="openid profile commune", support_contact="Văn phòng Đăng ký đất đai tỉnh",
         description_vi="Tra cứu thửa đất theo số tờ, số thửa: diện tích, mục đích sử dụng, "
         "quy hoạch. Mở bằng tài khoản của bạn, không cần đăng nhập lại.",
         description_en="Look up a land parcel by map sheet and parcel number: area, land "
         "use, planning. Opens with your account; no second sign-in."),
    dict(code="thong-tin-nong-nghiep", name_vi="Thông tin nông nghiệp",
         name_en="Agriculture information", category=Category.AGRICULTURE, kind=E,
         url="https://snnptnt.camau.gov.vn/", order=20, owner=AGRICULTURE, is_featured=True,
         description_vi="Giá tôm, lúa, cua hôm nay; lịch thời vụ, khuyến cáo nuôi trồng và "
         "cảnh báo dịch bệnh thủy sản.", description_en="Today's prices of shrimp, rice and "
         "crab; crop calendars, farming advice and aquaculture disease alerts."),
    dict(code="csdl-nong-nghiep", name_vi="Cơ sở dữ liệu nông nghiệp",
         name_en="Agriculture database", category=Category.AGRICULTURE, kind=Kind.WEB,
         url="https://csdlnongnghiep.camau.gov.vn/", order=21, owner=AGRICULTURE,
         audience=Audience.OFFICIALS, login_level=LoginLevel.SIGNED_IN, scopes="openid profile",
         description_vi="Dữ liệu vùng nuôi, mã số vùng trồng, hộ sản xuất — dành cho cán bộ "
         "ngành nông nghiệp.", description_en="Farming areas, growing-area codes and "
         "producers — for agriculture officials."),
    dict(code="du-lich", name_vi="Du lịch Cà Mau", name_en="Cà Mau tourism",
         category=Category.TOURISM, kind=E, url="https://dulichcamau.vn/", order=30,
         owner=TOURISM, description_vi="Điểm đến Mũi Cà Mau, rừng U Minh Hạ, Hòn Khoai; lễ "
         "hội, sự kiện, nơi lưu trú và ẩm thực.", description_en="Cà Mau Cape, U Minh Ha "
         "forest, Hon Khoai island; festivals, events, places to stay and eat."),
    dict(code="made-in-camau", name_vi="Made in CaMau", name_en="Made in CaMau",
         category=Category.ECOMMERCE, kind=E, url="https://madeincamau.vn/", order=40,
         description_vi="Sàn thương mại điện tử sản phẩm OCOP và đặc sản Cà Mau: khô cá "
         "bổi, ba khía, mật ong U Minh.", description_en="Marketplace for OCOP products "
         "and Cà Mau specialities."),
    dict(code="voso", name_vi="Voso", name_en="Voso", category=Category.ECOMMERCE, kind=E,
         url="https://voso.vn/", order=41, description_vi="Sàn thương mại điện tử của "
         "Viettel Post: bán nông sản, giao hàng tận nơi.",
         description_en="Viettel Post's marketplace: sell farm produce, delivered."),
    dict(code="postmart", name_vi="Postmart", name_en="Postmart", category=Category.ECOMMERCE,
         kind=E, url="https://postmart.vn/", order=42, description_vi="Sàn nông sản của "
         "Bưu điện Việt Nam.", description_en="Vietnam Post's farm-produce marketplace."),
    dict(code="vnpt-money", name_vi="VNPT Money", name_en="VNPT Money", category=Category.EWALLET,
         kind=Kind.NATIVE, url="vnptmoney://", android_package="com.vnpt.vnptpay", order=50,
         description_vi="Ví điện tử: nộp phí, lệ phí dịch vụ công, thanh toán điện nước, học "
         "phí.", description_en="E-wallet: public service fees, utility bills, school fees."),
    dict(code="viettel-money", name_vi="Viettel Money", name_en="Viettel Money",
         category=Category.EWALLET, kind=Kind.NATIVE, url="viettelmoney://",
         android_package="com.bplus.vtpay", order=51,
         description_vi="Ví điện tử và tài khoản Mobile Money: chuyển tiền, thanh toán hóa "
         "đơn, nhận trợ cấp.", description_en="E-wallet and Mobile Money: transfers, bills, "
         "benefits."),
    dict(code="mobifone-money", name_vi="MobiFone Money", name_en="MobiFone Money",
         category=Category.EWALLET, kind=Kind.NATIVE, url="mobifonemoney://",
         android_package="com.mobifone.mobifonemoney", order=52,
         description_vi="Mobile Money của MobiFone: nạp, rút, thanh toán bằng số điện "
         "thoại.", description_en="MobiFone's Mobile Money: top up, withdraw, pay by phone."),
    dict(code="vnedu", name_vi="vnEdu", name_en="vnEdu", category=Category.EDUCATION, kind=E,
         url="https://vnedu.vn/", order=60, owner=EDUCATION, description_vi="Sổ liên lạc "
         "điện tử: điểm, nhận xét, thông báo của nhà trường.",
         description_en="Electronic school report: marks, remarks, school notices."),
    dict(code="smas", name_vi="SMAS", name_en="SMAS", category=Category.EDUCATION, kind=E,
         url="https://smas.edu.vn/", order=61, owner=EDUCATION, description_vi="Hệ thống "
         "quản lý trường học: kết quả học tập, thời khóa biểu.",
         description_en="School management: results, timetables."),
    dict(code="edu-one", name_vi="Edu.One", name_en="Edu.One", category=Category.EDUCATION,
         kind=E, url="https://eduone.vn/", order=62, owner=EDUCATION,
         description_vi="Học trực tuyến và kết nối gia đình và nhà trường.",
         description_en="Online learning and family-school contact."),
    dict(code="vncare", name_vi="VNCare", name_en="VNCare", category=Category.HEALTH,
         kind=Kind.NATIVE, url="vncare://", android_package="vn.vnpt.vncare", order=70,
         owner=HEALTH, description_vi="Đặt lịch khám, hồ sơ sức khỏe điện tử, tư vấn từ xa.",
         description_en="Book appointments, electronic health record, remote consultation."),
    dict(code="tra-cuu-ho-so", name_vi="Tra cứu hồ sơ thủ tục hành chính",
         name_en="Track an application", category=Category.PUBLIC_SERVICES, kind=E,
         url="https://dichvucong.camau.gov.vn/", order=5, owner=COMMITTEE,
         status=Status.MAINTENANCE,
         maintenance_notice="Đang nâng cấp đến 17:00 hôm nay; vui lòng quay lại sau.",
         description_vi="Theo dõi tình trạng hồ sơ đã nộp bằng mã biên nhận.",
         description_en="Follow an application you submitted by its receipt number."),
    dict(code="tiem-chung-ly-van-lam", name_vi="Đăng ký tiêm chủng (Phường Lý Văn Lâm)",
         name_en="Vaccination sign-up (Lý Văn Lâm ward)", category=Category.HEALTH,
         kind=E, url="https://lyvanlam.camau.gov.vn/tiem-chung", order=80, owner=HEALTH,
         login_level=LoginLevel.SIGNED_IN, communes=[COMMUNE_B],
         description_vi="Đăng ký lịch tiêm chủng tại trạm y tế phường — chỉ cho cư dân "
         "Phường Lý Văn Lâm.", description_en="Book a vaccination at the ward health "
         "station — for residents of Lý Văn Lâm ward only."),
]

# Third-party services: their provider's own support; no invented phone numbers.
SUPPORT = {
    "vnpt-money": "Tổng đài chăm sóc khách hàng VNPT",
    "viettel-money": "Tổng đài chăm sóc khách hàng Viettel",
    "mobifone-money": "Tổng đài chăm sóc khách hàng MobiFone",
    "vnedu": "Nhà trường của con bạn hoặc VNPT",
    "smas": "Nhà trường của con bạn hoặc Viettel",
    "vncare": "Cơ sở y tế nơi bạn khám hoặc VNPT",
}

COLOURS = {Category.PUBLIC_SERVICES: "#b3261e", Category.LAND: "#6d4c1f",
           Category.AGRICULTURE: "#2e6b30", Category.TOURISM: "#0b6a8a",
           Category.ECOMMERCE: "#8a3b12", Category.EWALLET: "#1d4f91",
           Category.EDUCATION: "#5b3a8e", Category.HEALTH: "#0f766e"}
# Initials of each entry, drawn by icon_drawing.py into static/portal/apps/<code>.svg:
# the Vietnamese word a reader looks for, else the brand's initials.
INITIALS = {"hop-thu": "HT", "lich-cong-tac": "LC", "phan-anh-hien-truong": "PA",
            "thua-dat": "ĐĐ", "thong-tin-nong-nghiep": "NN", "csdl-nong-nghiep": "CS",
            "du-lich": "DL", "tra-cuu-ho-so": "HS", "tiem-chung-ly-van-lam": "TC"}
ICON_TILES = {e["code"]: (INITIALS.get(e["code"]) or "".join(
    w[0] for w in e["name_en"].replace(".", " ").split() if w[0].isalnum())[:2].upper(),
    COLOURS[e["category"]]) for e in ENTRIES}


def seed_catalog() -> list[MiniApp]:
    result = []
    for entry in ENTRIES:
        existing = MiniApp.objects.filter(code=entry["code"]).first()
        if existing is not None:
            result.append(existing)
            continue
        fields = dict(entry)
        fields.setdefault("support_contact", SUPPORT.get(entry["code"], ""))
        owner_code = fields.pop("owner", None)
        commune_codes = fields.pop("communes", [])
        fields["owner"] = identity_queries.agency_by_electronic_id_code(owner_code) \
            if owner_code else None
        communes = identity_queries.agencies_by_admin_unit_codes(commune_codes)
        if commune_codes and not communes:
            continue  # the commune is not in this database (a province not yet imported)
        result.append(services.create_mini_app(actor=SEED, communes=communes,
                                               icon=f"portal/apps/{entry['code']}.svg",
                                               **fields))
    return result
