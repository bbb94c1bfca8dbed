"""The province's calendar of festivals and tourism events, as the Department of Culture,
Sports and Tourism ("Sở Văn hóa, Thể thao và Du lịch") publishes it.

Invented for the sandbox, though the festivals are Cà Mau's own: yearly ones on fixed
Gregorian dates (the lunar-calendar festivals at a typical date), and the weekly "Đờn ca tài
tử" evening, so any window of a week or more has something to show."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SOURCE = "Sở Văn hóa, Thể thao và Du lịch tỉnh Cà Mau (sandbox)"
DEFAULT_WINDOW_DAYS = 60
MAX_WINDOW_DAYS = 366
SATURDAY = 5


@dataclass(frozen=True)
class Festival:
    code: str
    name: str
    category: str
    month: int
    day: int
    days: int
    location: str
    commune_code: str
    commune_name: str
    description: str


@dataclass(frozen=True)
class Event:
    code: str
    name: str
    category: str
    starts_on: date
    ends_on: date
    location: str
    commune_code: str
    commune_name: str
    description: str
    starts_at: time | None = None


# Commune codes as in the other sandboxes; 32104 (Sông Đốc) is illustrative.
FESTIVALS = (
    Festival("NGHINH_ONG_SONG_DOC", "Lễ hội Nghinh Ông Sông Đốc", "Lễ hội", 3, 13, 3,
             "Lăng Ông Nam Hải, thị trấn Sông Đốc", "32104", "Xã Sông Đốc",
             "Lễ hội văn hóa phi vật thể quốc gia của ngư dân: rước Ông trên sông, hát bội, "
             "đua ghe."),
    Festival("DAT_MUI", "Ngày hội Văn hóa - Du lịch Đất Mũi", "Du lịch", 4, 18, 3,
             "Khu du lịch Mũi Cà Mau", "32248", "Xã Đất Mũi",
             "Chợ phiên đặc sản rừng ngập mặn, trải nghiệm đi rừng đước, ẩm thực biển."),
    Festival("VIA_BA_THIEN_HAU", "Lễ Vía Bà Thiên Hậu", "Lễ hội", 5, 9, 2,
             "Miếu Bà Thiên Hậu, Phường An Xuyên", "32002", "Phường An Xuyên",
             "Lễ cúng, múa lân sư rồng của cộng đồng người Hoa."),
    Festival("CUA_CA_MAU", "Ngày hội Cua Cà Mau", "Ẩm thực", 11, 28, 4,
             "Quảng trường Văn hóa tỉnh, Phường An Xuyên", "32002", "Phường An Xuyên",
             "Trưng bày, thi nấu món cua, kết nối tiêu thụ cua Cà Mau."),
    Festival("DEM_HOI_MUI_CA_MAU", "Đêm hội chào năm mới tại Mũi Cà Mau", "Du lịch", 12, 31,
             1, "Khu du lịch Mũi Cà Mau", "32248", "Xã Đất Mũi",
             "Chương trình nghệ thuật, bắn pháo hoa đón năm mới ở cực Nam Tổ quốc."),
)
DON_CA = ("DON_CA_TAI_TU", "Đêm Đờn ca tài tử Nam Bộ", "Văn hóa",
          "Công viên Văn hóa Hùng Vương, Phường An Xuyên", "32002", "Phường An Xuyên",
          "Biểu diễn Đờn ca tài tử miễn phí mỗi tối thứ Bảy.")


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()


def _yearly(first: date, last: date) -> Iterator[Event]:
    for year in range(first.year - 1, last.year + 1):
        for f in FESTIVALS:
            start = date(year, f.month, f.day)
            yield Event(f"{f.code}_{year}", f.name, f.category, start,
                        start + timedelta(days=f.days - 1), f.location, f.commune_code,
                        f.commune_name, f.description)


def _weekly(first: date, last: date) -> Iterator[Event]:
    code, name, category, location, commune, commune_name, description = DON_CA
    day = first + timedelta(days=(SATURDAY - first.weekday()) % 7)
    while day <= last:
        yield Event(f"{code}_{day:%Y%m%d}", name, category, day, day, location, commune,
                    commune_name, description, time(19, 30))
        day += timedelta(days=7)


@dataclass(frozen=True)
class Calendar:
    today: Callable[[], date] = today_in_vietnam

    def events(self, first: date, last: date) -> list[Event]:
        """Events that take place on some day from ``first`` to ``last``, soonest first."""
        found = [e for e in (*_yearly(first, last), *_weekly(first, last))
                 if e.starts_on <= last and e.ends_on >= first]
        return sorted(found, key=lambda e: (e.starts_on, e.starts_at or time(), e.code))
