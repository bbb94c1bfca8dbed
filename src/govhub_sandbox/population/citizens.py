"""The sandbox population database's citizens: invented people of Cà Mau whose numbers follow
the real structure of the 12-digit personal identification number (Decree 137/2015/NĐ-CP,
Circular 59/2021/TT-BCA): 3 digits for the province of birth registration (096, Cà Mau), one
for century and sex (0/1: 20th century male/female, 2/3: 21st century), 2 for the year of
birth, 6 random. The first five are the sandbox VNeID's test citizens, so a demo can sign in
with VNeID and then look the same person up here. Communes and codes are the official 2025
list (``vietnam-provinces``)."""

import unicodedata
from dataclasses import dataclass
from datetime import date

PROVINCE = "Tỉnh Cà Mau"


@dataclass(frozen=True)
class Residence:
    """Nơi thường trú: street address, then the commune (2025: no districts any more)."""

    detail: str
    commune_code: str
    commune_name: str
    province: str = PROVINCE


@dataclass(frozen=True)
class Citizen:
    so_dinh_danh: str
    ho_va_ten: str
    ngay_sinh: date
    gioi_tinh: str  # "Nam" / "Nữ", as on the citizen ID card
    que_quan: str
    noi_thuong_tru: Residence
    dan_toc: str = "Kinh"
    quoc_tich: str = "Việt Nam"


def _r(detail: str, code: str, name: str) -> Residence:
    return Residence(detail, code, name)


CITIZENS: tuple[Citizen, ...] = (
    Citizen("096085000101", "Nguyễn Văn Hùng", date(1985, 3, 12), "Nam",
            "Xã Trần Văn Thời, Tỉnh Cà Mau",
            _r("Số 12 đường Phan Ngọc Hiển, Khóm 2", "32002", "Phường An Xuyên")),
    Citizen("096192000102", "Trần Thị Thu Hà", date(1992, 7, 25), "Nữ",
            "Phường An Xuyên, Tỉnh Cà Mau",
            _r("Số 45 đường Lý Thường Kiệt, Khóm 5", "32014", "Phường Lý Văn Lâm")),
    Citizen("096203000103", "Lê Hoàng Phúc", date(2003, 11, 2), "Nam",
            "Xã Đầm Dơi, Tỉnh Cà Mau", _r("Ấp Tân Hiệp", "32152", "Xã Đầm Dơi")),
    Citizen("096168000104", "Phạm Thị Kim Loan", date(1968, 1, 30), "Nữ",
            "Xã Năm Căn, Tỉnh Cà Mau", _r("Khóm Cái Nai", "32191", "Xã Năm Căn")),
    Citizen("096306000105", "Võ Thị Ngọc Trâm", date(2006, 5, 19), "Nữ",
            "Phường Tân Thành, Tỉnh Cà Mau",
            _r("Số 8 đường Ngô Quyền, Khóm 3", "32025", "Phường Tân Thành")),
    Citizen("096078000106", "Huỳnh Văn Tâm", date(1978, 9, 4), "Nam",
            "Xã U Minh, Tỉnh Cà Mau", _r("Ấp 3", "32047", "Xã U Minh")),
    Citizen("096155000107", "Đặng Thị Mỹ Lệ", date(1955, 12, 21), "Nữ",
            "Xã Cái Nước, Tỉnh Cà Mau", _r("Ấp Cái Rắn", "32128", "Xã Cái Nước")),
    Citizen("096090000108", "Thạch Sô Phal", date(1990, 4, 15), "Nam",
            "Xã Trần Văn Thời, Tỉnh Cà Mau", _r("Ấp Kênh Hội", "32095", "Xã Trần Văn Thời"),
            dan_toc="Khmer"),
    Citizen("096201000109", "Bùi Quốc Khánh", date(2001, 2, 9),
            "Nam", "Phường Hòa Thành, Tỉnh Cà Mau",
            _r("Ấp Bà Điều", "32041", "Phường Hòa Thành")),
    Citizen("096187000110", "Lâm Thị Cẩm Tú", date(1987, 6, 30), "Nữ",
            "Xã Đất Mũi, Tỉnh Cà Mau", _r("Ấp Mũi", "32248", "Xã Đất Mũi")),
)


def normalise_name(name: str) -> str:
    """Names compare in NFC (a name typed on one keyboard may arrive decomposed, NFD, from
    another), case-insensitively and with runs of spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


class Registry:
    def __init__(self, citizens: tuple[Citizen, ...] = CITIZENS) -> None:
        self._by_number = {citizen.so_dinh_danh: citizen for citizen in citizens}

    def find(self, so_dinh_danh: str, ho_va_ten: str) -> Citizen | None:
        """The citizen with this number *and* this name, else None — the same answer for a
        number that exists under another name, so the service confirms no number to a caller
        who does not already know whose it is (Law 91/2025 on personal data)."""
        citizen = self._by_number.get(so_dinh_danh)
        if citizen and normalise_name(citizen.ho_va_ten) == normalise_name(ho_va_ten):
            return citizen
        return None

    def verify(self, so_dinh_danh: str, ho_va_ten: str, ngay_sinh: date) -> bool:
        citizen = self.find(so_dinh_danh, ho_va_ten)
        return citizen is not None and citizen.ngay_sinh == ngay_sinh
