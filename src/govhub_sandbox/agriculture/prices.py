"""Market prices of Cà Mau's main farm and aquaculture products, as the provincial
agriculture database publishes them each morning: VND per kg, by commodity (shrimp by size —
"con/kg", pieces per kilogram — crab by grade, paddy by variety) and market.

Prices are reference data and invented: a base near the 2025 level moved each day by a
deterministic ±4 % (a hash of commodity, market and date), so a test computes nothing by hand
and two runs of the sandbox agree. The history covers the last ``HISTORY_DAYS`` days up to
the latest bulletin (07:30, Asia/Ho_Chi_Minh)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
HISTORY_DAYS = 14
PUBLISHED_AT = time(7, 30)  # the morning bulletin
SOURCE = "Sở Nông nghiệp và Môi trường tỉnh Cà Mau (sandbox)"
MAX_SWING = 0.04


@dataclass(frozen=True)
class Commodity:
    code: str
    name: str
    category: str
    base_vnd_per_kg: int
    markets: tuple[str, ...]


@dataclass(frozen=True)
class Market:
    code: str
    name: str
    commune_code: str
    commune_name: str


@dataclass(frozen=True)
class Price:
    commodity: Commodity
    market: Market
    day: date
    vnd_per_kg: int

    @property
    def as_of(self) -> datetime:
        return datetime.combine(self.day, PUBLISHED_AT, VIETNAM)


MARKETS = {m.code: m for m in (
    Market("CHO_CA_MAU", "Chợ Cà Mau", "32002", "Phường An Xuyên"),
    Market("VUA_NAM_CAN", "Vựa thủy sản Năm Căn", "32191", "Xã Năm Căn"),
    Market("CHO_DAM_DOI", "Chợ Đầm Dơi", "32152", "Xã Đầm Dơi"),
    Market("CHO_TRAN_VAN_THOI", "Chợ Trần Văn Thời", "32095", "Xã Trần Văn Thời"),
    Market("CHO_THOI_BINH", "Chợ Thới Bình", "32065", "Xã Thới Bình"),
)}

_SEAFOOD = ("CHO_CA_MAU", "VUA_NAM_CAN", "CHO_DAM_DOI")
_CRAB = ("CHO_CA_MAU", "VUA_NAM_CAN")
_PADDY = ("CHO_TRAN_VAN_THOI", "CHO_THOI_BINH")

COMMODITIES = {c.code: c for c in (
    Commodity("TOM_SU_20", "Tôm sú loại 20 con/kg", "Thủy sản", 285_000, _SEAFOOD),
    Commodity("TOM_SU_30", "Tôm sú loại 30 con/kg", "Thủy sản", 225_000, _SEAFOOD),
    Commodity("TOM_SU_40", "Tôm sú loại 40 con/kg", "Thủy sản", 185_000, _SEAFOOD),
    Commodity("TOM_THE_50", "Tôm thẻ chân trắng loại 50 con/kg", "Thủy sản", 140_000,
              _SEAFOOD),
    Commodity("TOM_THE_100", "Tôm thẻ chân trắng loại 100 con/kg", "Thủy sản", 96_000,
              _SEAFOOD),
    Commodity("CUA_GACH_1", "Cua gạch Cà Mau loại 1", "Thủy sản", 520_000, _CRAB),
    Commodity("CUA_THIT_1", "Cua thịt Cà Mau loại 1", "Thủy sản", 380_000, _CRAB),
    Commodity("LUA_ST25", "Lúa ST25 (lúa tươi)", "Lúa gạo", 8_600, _PADDY),
    Commodity("LUA_OM5451", "Lúa OM 5451 (lúa tươi)", "Lúa gạo", 6_700, _PADDY),
    Commodity("GAO_ST25", "Gạo ST25", "Lúa gạo", 32_000, ("CHO_CA_MAU", "CHO_TRAN_VAN_THOI")),
)}


def price_on(commodity: Commodity, market: Market, day: date) -> Price:
    digest = hashlib.sha256(f"{commodity.code}|{market.code}|{day}".encode()).digest()
    swing = (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF * 2 - 1) * MAX_SWING
    # Traders quote round figures: to 500 đồng for shrimp and crab, 100 đồng for paddy.
    step = 500 if commodity.base_vnd_per_kg >= 20_000 else 100
    value = round(commodity.base_vnd_per_kg * (1 + swing) / step) * step
    return Price(commodity, market, day, value)


def latest_bulletin_day() -> date:
    """Today in Vietnam once this morning's bulletin is out, else yesterday: an ``as_of``
    must never lie in the future."""
    published = datetime.combine(date.min, PUBLISHED_AT) - datetime.min
    return (datetime.now(VIETNAM) - published).date()


@dataclass(frozen=True)
class PriceBook:
    today: Callable[[], date] = latest_bulletin_day  # the day of the latest bulletin

    def days(self) -> list[date]:
        last = self.today()
        return [last - timedelta(days=n) for n in range(HISTORY_DAYS)]  # newest first

    def prices(self, commodity: str | None = None, market: str | None = None,
               day: date | None = None) -> list[Price]:
        days = [d for d in self.days() if day is None or d == day]
        return [price_on(c, MARKETS[m], d) for d in days for c in COMMODITIES.values()
                if commodity in (None, c.code) for m in c.markets if market in (None, m)]

    def latest(self, commodity: str | None = None, market: str | None = None) -> list[Price]:
        return self.prices(commodity, market, self.today())
