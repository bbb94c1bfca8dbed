"""Forecasts and disaster warnings as the provincial hydro-meteorological station ("Đài Khí
tượng Thủy văn tỉnh Cà Mau") publishes them: today and the next three days per commune, and
the warnings in force (tropical depression or storm, high tide "triều cường", saltwater
intrusion "xâm nhập mặn", riverbank landslide "sạt lở").

Everything is invented and deterministic: each day's figures come from a hash of commune and
date around Cà Mau's dry-season climate, so tests compute nothing by hand and two runs of the
sandbox agree. Warnings are anchored on the current day, so the demo always has some in force
and one that has just expired. Risk levels follow Decision 18/2021/QĐ-TTg (levels 1-5)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FORECAST_DAYS = 4  # today and three days
# The station's bulletins: 04:30 and 16:30 local time.
BULLETIN_TIMES = (time(4, 30), time(16, 30))
SOURCE = "Đài Khí tượng Thủy văn tỉnh Cà Mau (sandbox)"

COMMUNES = {
    "32002": "Phường An Xuyên",
    "32014": "Phường Lý Văn Lâm",
    "32025": "Phường Tân Thành",
    "32065": "Xã Thới Bình",
    "32095": "Xã Trần Văn Thời",
    "32152": "Xã Đầm Dơi",
    "32191": "Xã Năm Căn",
    "32248": "Xã Đất Mũi",
}
# (description, rain probability %, rain mm): the sky types of a Cà Mau forecast.
SKIES = (
    ("Nắng, trời ít mây", 10, 0.0),
    ("Nhiều mây, có lúc có nắng", 20, 0.0),
    ("Có mưa rào nhẹ vài nơi", 40, 3.0),
    ("Có mưa rào và dông rải rác, chiều tối có nơi mưa vừa", 70, 12.0),
)
WINDS = ("Đông Bắc", "Đông", "Tây Nam", "Tây")
# A typical speed for each Beaufort level the forecasts use (level 2: 6-11 km/h, …).
BEAUFORT_KMH = {2: 9, 3: 15, 4: 24}


@dataclass(frozen=True)
class DayForecast:
    day: date
    description: str
    temperature_min_c: int
    temperature_max_c: int
    rain_probability_percent: int
    rain_mm: float
    wind_direction: str
    wind_level: int  # Beaufort scale ("cấp gió"), as the station states it
    wind_speed_kmh: int


@dataclass(frozen=True)
class Alert:
    code: str
    kind: str  # tropical_depression | storm | high_tide | saltwater_intrusion | landslide
    kind_name: str
    title: str
    description: str
    risk_level: int  # Decision 18/2021/QĐ-TTg: 1 (low) to 5 (disaster)
    area_codes: tuple[str, ...]
    issued_at: datetime
    valid_until: datetime


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def forecast_on(commune_code: str, day: date) -> DayForecast:
    seed = _hash(commune_code, day)
    description, probability, rain_mm = SKIES[seed % len(SKIES)]
    low = 23 + (seed >> 4) % 3
    level = 2 + (seed >> 12) % 3
    return DayForecast(day, description, low, low + 7 + (seed >> 8) % 3, probability,
                       rain_mm, WINDS[(seed >> 16) % len(WINDS)], level,
                       BEAUFORT_KMH[level])


KINDS = {
    "tropical_depression": "Áp thấp nhiệt đới",
    "storm": "Bão",
    "high_tide": "Triều cường",
    "saltwater_intrusion": "Xâm nhập mặn",
    "landslide": "Sạt lở bờ sông, bờ biển",
}
# (code, kind, title, description, level, areas, issued days ago, valid days)
_ALERTS = (
    ("TC-01", "high_tide", "Cảnh báo triều cường vùng ven biển và ven sông",
     "Đỉnh triều tại trạm Năm Căn, Sông Đốc có khả năng vượt báo động III từ 0,1-0,2 m, "
     "gây ngập úng vùng trũng thấp vào chiều tối.", 2, ("32191", "32248", "32152"), 0, 3),
    ("XNM-01", "saltwater_intrusion", "Cảnh báo xâm nhập mặn trên các sông chính",
     "Ranh mặn 4‰ vào sâu 60-70 km; người dân trữ nước ngọt, không lấy nước sông tưới lúa.",
     1, ("32065", "32095"), 1, 7),
    ("SL-01", "landslide", "Cảnh báo nguy cơ sạt lở bờ sông Gành Hào",
     "Nguy cơ sạt lở cao đoạn qua khóm 6; không neo đậu tàu thuyền, không đi lại sát bờ.",
     2, ("32025", "32152"), 0, 2),
    ("ATND-01", "tropical_depression", "Tin áp thấp nhiệt đới trên vùng biển Cà Mau - Kiên Giang",
     "Áp thấp nhiệt đới đã suy yếu thành vùng áp thấp; tàu thuyền đã được phép ra khơi.",
     3, ("32248", "32191"), 5, 2),  # expired: shows that only warnings in force are listed
)


def _morning(day: date) -> datetime:
    return datetime.combine(day, BULLETIN_TIMES[0], VIETNAM)


def now_in_vietnam() -> datetime:
    return datetime.now(VIETNAM)


@dataclass(frozen=True)
class Station:
    now: Callable[[], datetime] = now_in_vietnam

    def issued_at(self) -> datetime:
        """The latest bulletin: never one from the future."""
        now = self.now().astimezone(VIETNAM)
        for day in (now.date(), now.date() - timedelta(days=1)):
            for at in reversed(BULLETIN_TIMES):
                issued = datetime.combine(day, at, VIETNAM)
                if issued <= now:
                    return issued
        raise AssertionError("unreachable: yesterday's evening bulletin is in the past")

    def forecast(self, commune_code: str) -> list[DayForecast]:
        first = self.issued_at().date()
        return [forecast_on(commune_code, first + timedelta(days=n))
                for n in range(FORECAST_DAYS)]

    def alerts(self, commune_code: str | None = None) -> list[Alert]:
        """The warnings in force now, highest risk first."""
        now = self.now()
        today = self.issued_at().date()
        found = []
        for code, kind, title, text, level, areas, ago, valid in _ALERTS:
            issued = _morning(today - timedelta(days=ago))
            alert = Alert(code, kind, KINDS[kind], title, text, level, areas, issued,
                          issued + timedelta(days=valid))
            if (alert.issued_at <= now < alert.valid_until
                    and commune_code in (None, *alert.area_codes)):
                found.append(alert)
        return sorted(found, key=lambda a: (-a.risk_level, a.code))
