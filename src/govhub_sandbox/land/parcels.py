"""The sandbox land registry's parcels: twenty invented parcels in four communes of Cà Mau
(official 2025 names and codes), identified as the cadastral map does: commune, map sheet
number (số tờ bản đồ) and parcel number (số thửa). Land-use codes are those of Circular
08/2024/TT-BTNMT (Land Law 2024); aquaculture land (NTS) dominates the coastal communes as it
does in Cà Mau. Owners are the sandbox population database's citizens, so one demo can cross
both services. Certificate numbers, dates and planning decisions are invented."""

from dataclasses import dataclass
from datetime import date

LAND_USES = {
    "ODT": "Đất ở tại đô thị",
    "ONT": "Đất ở tại nông thôn",
    "CLN": "Đất trồng cây lâu năm",
    "LUC": "Đất chuyên trồng lúa",
    "NTS": "Đất nuôi trồng thủy sản",
    "RSX": "Đất rừng sản xuất",
    "TMD": "Đất thương mại, dịch vụ",
    "DGT": "Đất công trình giao thông",
}

COMMUNES = {
    "32002": "Phường An Xuyên",
    "32025": "Phường Tân Thành",
    "32095": "Xã Trần Văn Thời",
    "32152": "Xã Đầm Dơi",
}


@dataclass(frozen=True)
class Owner:
    name: str
    so_dinh_danh: str  # personal data: shown only on request (?include_owner=true)
    birth_year: int


@dataclass(frozen=True)
class Planning:
    planned_use: str  # a LAND_USES code
    zone: str
    affected_area_m2: float  # the part of the parcel the plan changes
    decision: str
    notes: str


@dataclass(frozen=True)
class Parcel:
    commune_code: str
    sheet: int
    number: int
    uses: tuple[tuple[str, float], ...]  # (code, m²): a certificate lists each purpose
    address: str
    certificate_number: str
    certificate_issued_on: date
    owners: tuple[Owner, ...]
    planning: Planning
    notes: str = ""

    @property
    def parcel_id(self) -> str:
        return f"{self.commune_code}-{self.sheet:03d}-{self.number:04d}"

    @property
    def area_m2(self) -> float:
        return round(sum(area for _, area in self.uses), 1)


HUNG = Owner("Nguyễn Văn Hùng", "096085000101", 1985)
HA = Owner("Trần Thị Thu Hà", "096192000102", 1992)
PHUC = Owner("Lê Hoàng Phúc", "096203000103", 2003)
LOAN = Owner("Phạm Thị Kim Loan", "096168000104", 1968)
TAM = Owner("Huỳnh Văn Tâm", "096078000106", 1978)
LE = Owner("Đặng Thị Mỹ Lệ", "096155000107", 1955)
PHAL = Owner("Thạch Sô Phal", "096090000108", 1990)
TU = Owner("Lâm Thị Cẩm Tú", "096187000110", 1987)

CITY_PLAN = "Quyết định số 125/QĐ-UBND ngày 15/01/2026 (kế hoạch sử dụng đất năm 2026)"
RURAL_PLAN = "Quyết định số 131/QĐ-UBND ngày 16/01/2026 (kế hoạch sử dụng đất năm 2026)"


def _keep(code: str, zone: str, plan: str = CITY_PLAN) -> Planning:
    return Planning(code, zone, 0.0, plan, "Phù hợp quy hoạch, không bị ảnh hưởng.")


def _road(code: str, zone: str, affected: float, road: str) -> Planning:
    return Planning(code, zone, affected, CITY_PLAN,
                    f"Một phần diện tích ({affected:g} m²) thuộc hành lang mở rộng {road}.")


def _p(commune: str, sheet: int, number: int, uses: tuple[tuple[str, float], ...],
       address: str, certificate: str, issued: date, owners: tuple[Owner, ...],
       planning: Planning, notes: str = "") -> Parcel:
    return Parcel(commune, sheet, number, uses, address, certificate, issued, owners,
                  planning, notes)


_AX, _TT, _TVT, _DD = "32002", "32025", "32095", "32152"
_URBAN = "Khu dân cư đô thị hiện hữu"
_SHRIMP = "Vùng nuôi tôm quảng canh cải tiến"
_RICE = "Vùng chuyên canh lúa - tôm"

PARCELS: tuple[Parcel, ...] = (
    _p(_AX, 12, 145, (("ODT", 120.0), ("CLN", 64.5)), "Số 12 đường Phan Ngọc Hiển, Khóm 2",
       "DĐ 512034", date(2016, 5, 10), (HUNG,), _keep("ODT", _URBAN)),
    _p(_AX, 12, 146, (("ODT", 96.0),), "Số 14 đường Phan Ngọc Hiển, Khóm 2",
       "DĐ 512035", date(2016, 5, 10), (HA,), _keep("ODT", _URBAN)),
    _p(_AX, 15, 27, (("TMD", 310.0),), "Số 3 đường Lý Bôn, Khóm 1", "CS 004127",
       date(2021, 8, 3), (LOAN, TAM), _road("TMD", _URBAN, 18.0, "đường Lý Bôn"),
       "Đất thuê trả tiền hằng năm."),
    _p(_AX, 15, 31, (("ODT", 80.0),), "Hẻm 8 đường Lý Bôn, Khóm 1", "CS 004130",
       date(2021, 9, 14), (LE,), _keep("ODT", _URBAN)),
    _p(_AX, 18, 5, (("ODT", 150.0), ("CLN", 210.0)), "Số 77 đường Nguyễn Trãi, Khóm 4",
       "DA 880412", date(2014, 3, 22), (TU,), _road("ODT", _URBAN, 24.5, "đường Nguyễn Trãi")),
    _p(_TT, 7, 212, (("ODT", 100.0),), "Số 8 đường Ngô Quyền, Khóm 3", "DĐ 730118",
       date(2018, 11, 30), (HUNG, HA), _keep("ODT", _URBAN)),
    _p(_TT, 7, 215, (("ODT", 90.0), ("CLN", 120.0)), "Số 20 đường Ngô Quyền, Khóm 3",
       "DĐ 730121", date(2018, 11, 30), (PHAL,), _keep("ODT", _URBAN)),
    _p(_TT, 9, 48, (("CLN", 1450.0),), "Khóm 6, đường Tạ Uyên", "DĐ 731002",
       date(2019, 1, 8), (TAM,), Planning("ODT", "Khu đô thị mới phía Đông", 1450.0, CITY_PLAN,
                                          "Quy hoạch chuyển sang đất ở đô thị; chưa có kế "
                                          "hoạch thu hồi.")),
    _p(_TT, 9, 51, (("NTS", 3200.0),), "Khóm 6, ven sông Gành Hào", "DĐ 731007",
       date(2019, 1, 8), (LOAN,), _keep("NTS", "Vùng nuôi thủy sản ven đô")),
    _p(_TT, 11, 3, (("DGT", 640.0),), "Nút giao đường Ngô Quyền - Tạ Uyên", "",
       date(2020, 6, 1), (), _keep("DGT", _URBAN), "Đất công, do Nhà nước quản lý."),
    _p(_TVT, 21, 88, (("LUC", 12500.0),), "Ấp Kênh Hội", "CS 118402", date(2022, 2, 17),
       (PHAL,), _keep("LUC", _RICE, RURAL_PLAN), "Luân canh lúa ST25 - tôm càng xanh."),
    _p(_TVT, 21, 90, (("LUC", 9800.0), ("ONT", 300.0)), "Ấp Kênh Hội", "CS 118405",
       date(2022, 2, 17), (HUNG,), _keep("LUC", _RICE, RURAL_PLAN)),
    _p(_TVT, 22, 14, (("ONT", 400.0), ("CLN", 1100.0)), "Ấp Kênh Hội, tỉnh lộ 985",
       "CS 118420", date(2022, 3, 2), (LE,),
       Planning("ONT", "Khu dân cư nông thôn ven tỉnh lộ", 35.0, RURAL_PLAN,
                "Một phần diện tích (35 m²) thuộc hành lang an toàn tỉnh lộ 985.")),
    _p(_TVT, 24, 301, (("RSX", 25000.0),), "Ấp Cây Khô, giáp Vườn quốc gia U Minh Hạ",
       "CS 118977", date(2023, 4, 12), (TAM,),
       _keep("RSX", "Vùng đệm rừng tràm U Minh Hạ", RURAL_PLAN), "Rừng tràm trồng."),
    _p(_TVT, 25, 7, (("LUC", 15300.0),), "Ấp Kênh Hội", "CS 118990", date(2023, 4, 20),
       (PHUC,), _keep("LUC", _RICE, RURAL_PLAN)),
    _p(_DD, 30, 112, (("NTS", 18000.0), ("ONT", 250.0)), "Ấp Tân Hiệp", "DĐ 990311",
       date(2017, 7, 19), (PHUC, LOAN), _keep("NTS", _SHRIMP, RURAL_PLAN),
       "Nuôi tôm sú quảng canh cải tiến."),
    _p(_DD, 30, 115, (("NTS", 21000.0),), "Ấp Tân Hiệp", "DĐ 990314", date(2017, 7, 19),
       (TU,), _keep("NTS", _SHRIMP, RURAL_PLAN), "Nuôi tôm - cua kết hợp."),
    _p(_DD, 31, 9, (("NTS", 5400.0),), "Ấp Tân Hiệp, ven kênh Thuận Hòa", "DĐ 990402",
       date(2018, 1, 25), (HA,), _keep("NTS", "Vùng nuôi tôm thẻ chân trắng siêu thâm canh",
                                       RURAL_PLAN), "Nuôi tôm thẻ chân trắng ao lót bạt."),
    _p(_DD, 33, 60, (("ONT", 180.0), ("CLN", 420.0)), "Ấp Tân Hiệp, chợ Đầm Dơi",
       "DĐ 990517", date(2018, 5, 9), (LE,),
       Planning("TMD", "Khu thương mại chợ Đầm Dơi mở rộng", 180.0, RURAL_PLAN,
                "Quy hoạch chuyển sang đất thương mại, dịch vụ khi mở rộng chợ.")),
    _p(_DD, 35, 2, (("NTS", 42000.0),), "Ấp Tân Hiệp, ven sông Đầm Dơi", "CS 220041",
       date(2024, 10, 3), (PHAL, TAM), _keep("NTS", _SHRIMP, RURAL_PLAN)),
)

BY_ID = {parcel.parcel_id: parcel for parcel in PARCELS}


def search(commune_code: str, sheet: int | None, number: int | None) -> list[Parcel]:
    return [p for p in PARCELS if p.commune_code == commune_code
            and (sheet is None or p.sheet == sheet) and (number is None or p.number == number)]
