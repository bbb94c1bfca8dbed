"""Configuration of the sandbox VNeID provider: plain dataclasses, loadable from a small JSON
file (see ``example-config.json`` beside this module).

Everything a real onboarding would fix — claim names aside — is configuration here, not code
(the exact endpoints and claims must be verified with the onboarding documents, so they are
configurable): the registered clients, the test citizens, the ``acr``/``amr`` values per
assurance level, lifetimes and the faults to inject.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

# Decree 69/2024/NĐ-CP: an electronic identification account is level 1 or level 2
# (level 2 = equivalent to showing the chip ID card in person).
LEVELS = (1, 2)
GENDERS = ("Nam", "Nữ")
FAULTABLE_ENDPOINTS = ("token", "userinfo")
MAX_FAULT_DELAY_SECONDS = 300.0

PERSONAL_ID = re.compile(r"^\d{12}$")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message says which and why."""


def check_personal_id(number: str, *, gender: str, birth_date: date) -> str | None:
    """Why ``number`` cannot be this person's số định danh cá nhân, or None if it can.

    Structure (Decree 137/2015/NĐ-CP Art. 13; codes in Circular 59/2021/TT-BCA): 3 digits for
    the province where the birth was registered (001 to 096; Cà Mau is 096), 1 digit for century
    of birth and gender (1900s: 0 male, 1 female; 2000s: 2 male, 3 female; …), 2 digits for
    the year of birth, then 6 random digits.
    """
    if not PERSONAL_ID.match(number):
        return "Số định danh cá nhân phải gồm đúng 12 chữ số."
    if not 1 <= int(number[:3]) <= 96:
        return "Ba chữ số đầu là mã tỉnh nơi đăng ký khai sinh (từ 001 đến 096)."
    century_code = (birth_date.year // 100 - 19) * 2 + (1 if gender == "Nữ" else 0)
    if not 0 <= century_code <= 9 or int(number[3]) != century_code:
        return (f"Chữ số thứ 4 phải là {century_code} (mã thế kỷ sinh và giới tính "
                f"{gender}, sinh năm {birth_date.year}).")
    if number[4:6] != f"{birth_date.year % 100:02d}":
        return f"Chữ số thứ 5 và 6 phải là {birth_date.year % 100:02d} (hai số cuối năm sinh)."
    return None


def gender_from_personal_id(number: str) -> str:
    """The gender encoded in the 4th digit: even male, odd female (see check_personal_id)."""
    return GENDERS[int(number[3]) % 2]


@dataclass(frozen=True)
class RegisteredClient:
    """A relying party registered with the provider (OIDC Dynamic Registration is not offered:
    like the national portal, clients are onboarded by hand)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    name: str = ""  # shown to the citizen on the login page
    # Back-Channel Logout 1.0 §2.2: where the provider posts a logout token when a session
    # this client took part in ends at /logout.
    backchannel_logout_uri: str | None = None

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ConfigError("A client needs a client_id and a client_secret.")
        if not self.redirect_uris:
            raise ConfigError(f"Client {self.client_id!r} has no redirect_uris.")
        for uri in (*self.redirect_uris, *self.post_logout_redirect_uris,
                    *([self.backchannel_logout_uri] if self.backchannel_logout_uri else [])):
            # RFC 6749 §3.1.2: an absolute URI without a fragment.
            if not uri.startswith(("http://", "https://")) or "#" in uri:
                raise ConfigError(f"Client {self.client_id!r}: {uri!r} is not an absolute "
                                  "http(s) URI without a fragment.")

    @property
    def display_name(self) -> str:
        return self.name or self.client_id


@dataclass(frozen=True)
class Citizen:
    """A person as VNeID knows them. Field names follow the user info claims in snake case."""

    so_dinh_danh: str
    ho_va_ten: str
    ngay_sinh: date
    gioi_tinh: str
    level: int
    so_dien_thoai: str | None = None

    def __post_init__(self) -> None:
        if self.gioi_tinh not in GENDERS:
            raise ConfigError(f"gioi_tinh must be one of {GENDERS}, not {self.gioi_tinh!r}.")
        if self.level not in LEVELS:
            raise ConfigError(f"level must be 1 or 2 (Decree 69/2024/NĐ-CP), not {self.level!r}.")
        if not self.ho_va_ten.strip():
            raise ConfigError("ho_va_ten must not be empty.")
        problem = check_personal_id(self.so_dinh_danh, gender=self.gioi_tinh,
                                    birth_date=self.ngay_sinh)
        if problem:
            raise ConfigError(f"{self.ho_va_ten}: {self.so_dinh_danh!r}: {problem}")


@dataclass
class EndpointFault:
    """A fault injected in front of one endpoint, as central APIs fail at times."""

    delay_seconds: float = 0.0  # wait this long before answering
    fail: bool = False  # answer every request with 503 until cleared
    fail_next: int = 0  # answer the next N requests with 503, then recover by itself

    def __post_init__(self) -> None:
        if (isinstance(self.delay_seconds, bool) or not isinstance(self.delay_seconds, int | float)
                or not isinstance(self.fail, bool)
                or isinstance(self.fail_next, bool) or not isinstance(self.fail_next, int)):
            raise ConfigError("delay_seconds is a number, fail a boolean, fail_next an integer.")
        if not 0 <= self.delay_seconds <= MAX_FAULT_DELAY_SECONDS:
            raise ConfigError(f"delay_seconds must be between 0 and {MAX_FAULT_DELAY_SECONDS}.")
        if self.fail_next < 0:
            raise ConfigError("fail_next must not be negative.")

    @property
    def is_active(self) -> bool:
        return self.delay_seconds > 0 or self.fail or self.fail_next > 0


DEFAULT_CLIENTS = (
    RegisteredClient(
        client_id="govhub-demo",
        client_secret="govhub-demo-secret",  # noqa: S106 - sandbox only, documented
        redirect_uris=("http://127.0.0.1:8000/login/vneid/callback/",
                       "http://localhost:8000/login/vneid/callback/"),
        post_logout_redirect_uris=("http://127.0.0.1:8000/", "http://localhost:8000/"),
        name="Chính quyền số Cà Mau (govhub)",
    ),
)

# Test citizens of Cà Mau (birth registered in Cà Mau: code 096). Invented people; the numbers
# follow the real structure so that govhub's validation sees realistic input.
DEFAULT_CITIZENS = (
    Citizen("096085000101", "Nguyễn Văn Hùng", date(1985, 3, 12), "Nam", 2, "0900000101"),
    Citizen("096192000102", "Trần Thị Thu Hà", date(1992, 7, 25), "Nữ", 2, "0900000102"),
    Citizen("096203000103", "Lê Hoàng Phúc", date(2003, 11, 2), "Nam", 1),
    Citizen("096168000104", "Phạm Thị Kim Loan", date(1968, 1, 30), "Nữ", 1, "0900000104"),
    Citizen("096306000105", "Võ Thị Ngọc Trâm", date(2006, 5, 19), "Nữ", 2),
)


def _default_acr_values() -> dict[int, str]:
    return {1: "vneid:level1", 2: "vneid:level2"}


def _default_amr_values() -> dict[int, tuple[str, ...]]:
    # RFC 8176 values: level 1 signs in with a password; level 2 adds a second factor.
    return {1: ("pwd",), 2: ("pwd", "otp", "mfa")}


@dataclass(frozen=True)
class SandboxConfig:
    # None: the base URL each request came to (scheme://host:port). Set it whenever the
    # provider is reached through more than one name: OIDC Discovery §4.3 needs one issuer.
    issuer: str | None = None
    clients: tuple[RegisteredClient, ...] = DEFAULT_CLIENTS
    citizens: tuple[Citizen, ...] = DEFAULT_CITIZENS
    signing_key_path: str | None = None  # PEM RSA private key; None: a new key at startup
    # Key of the HMAC that turns a SoDinhDanh into its `sub` (never the number itself). Fixed
    # by default so that `sub` stays the same across restarts of the sandbox.
    subject_secret: str = "govhub-sandbox-vneid-subject"  # noqa: S105 - sandbox only
    acr_values: Mapping[int, str] = field(default_factory=_default_acr_values)
    amr_values: Mapping[int, tuple[str, ...]] = field(default_factory=_default_amr_values)
    code_ttl_seconds: int = 60
    access_token_ttl_seconds: int = 600
    id_token_ttl_seconds: int = 600
    session_ttl_seconds: int = 8 * 3600
    login_page_ttl_seconds: int = 600
    require_state: bool = True
    require_pkce: bool = False
    faults: Mapping[str, EndpointFault] = field(default_factory=dict)
    # Claims laid over every ID token after the provider's own, to make the provider
    # misbehave the way a relying party must notice, e.g. {"aud": ["another-rp"],
    # "azp": "<the client>"} (OIDC Core §3.1.3.7 steps 3 to 5).
    id_token_overrides: Mapping[str, Any] = field(default_factory=dict)
    # Like many providers, put `acr` in the ID token only when the client asked for levels
    # with acr_values (OIDC Core §3.1.2.1, §2: acr is then returned as the level achieved).
    acr_only_when_requested: bool = False
    admin_token: str | None = None  # if set, /_sandbox/* needs "Authorization: Bearer <it>"

    def __post_init__(self) -> None:
        if self.issuer is not None and (not self.issuer.startswith(("http://", "https://"))
                                        or self.issuer.endswith("/") or "?" in self.issuer):
            # OIDC Discovery §3: an https URL (http on loopback for tests), no query/fragment.
            raise ConfigError(f"issuer {self.issuer!r} must be http(s)://host[:port][/path] "
                              "without a trailing slash.")
        ids = [client.client_id for client in self.clients]
        if len(set(ids)) != len(ids):
            raise ConfigError("client_id values must be unique.")
        numbers = [citizen.so_dinh_danh for citizen in self.citizens]
        if len(set(numbers)) != len(numbers):
            raise ConfigError("so_dinh_danh values must be unique.")
        for level in LEVELS:
            if level not in self.acr_values or level not in self.amr_values:
                raise ConfigError(f"acr_values and amr_values need an entry for level {level}.")
        for name in self.faults:
            if name not in FAULTABLE_ENDPOINTS:
                raise ConfigError(f"faults: unknown endpoint {name!r}; "
                                  f"use one of {FAULTABLE_ENDPOINTS}.")
        if min(self.code_ttl_seconds, self.access_token_ttl_seconds, self.id_token_ttl_seconds,
               self.session_ttl_seconds, self.login_page_ttl_seconds) <= 0:
            raise ConfigError("Lifetimes must be positive.")

    def client(self, client_id: str) -> RegisteredClient | None:
        return next((c for c in self.clients if c.client_id == client_id), None)

    def citizen(self, so_dinh_danh: str) -> Citizen | None:
        return next((c for c in self.citizens if c.so_dinh_danh == so_dinh_danh), None)


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a JSON object.")
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(known)}.")
    try:
        return cls(**data)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from error
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from error


def _uris(item: Any, key: str, where: str) -> tuple[str, ...]:
    value = item.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key}: expected a list of URIs.")
    return tuple(value)


def config_from_dict(data: Mapping[str, Any], *, base_dir: Path | None = None) -> SandboxConfig:
    """Build a SandboxConfig from JSON-shaped data; missing keys keep their defaults."""
    values = dict(data)
    if "clients" in values:
        clients = []
        for index, item in enumerate(values["clients"]):
            where = f"clients[{index}]"
            if isinstance(item, dict):
                item = {**item, "redirect_uris": _uris(item, "redirect_uris", where),
                        "post_logout_redirect_uris":
                            _uris(item, "post_logout_redirect_uris", where)}
            clients.append(_build(RegisteredClient, item, where))
        values["clients"] = tuple(clients)
    if "citizens" in values:
        citizens = []
        for index, item in enumerate(values["citizens"]):
            if isinstance(item, dict) and "ngay_sinh" in item:
                try:
                    item = {**item, "ngay_sinh": date.fromisoformat(item["ngay_sinh"])}
                except (TypeError, ValueError) as error:
                    raise ConfigError(f"citizens[{index}].ngay_sinh: use yyyy-mm-dd.") from error
            citizens.append(_build(Citizen, item, f"citizens[{index}]"))
        values["citizens"] = tuple(citizens)
    for key in ("acr_values", "amr_values"):
        if key in values:
            values[key] = {int(level): (tuple(value) if key == "amr_values" else value)
                           for level, value in dict(values[key]).items()}
    if "faults" in values:
        values["faults"] = faults_from_dict(values["faults"])
    if values.get("signing_key_path") and base_dir is not None:
        values["signing_key_path"] = str(base_dir / values["signing_key_path"])
    return _build(SandboxConfig, values, "config")


def faults_from_dict(data: Any) -> dict[str, EndpointFault]:
    if not isinstance(data, dict):
        raise ConfigError("faults: expected a JSON object keyed by endpoint name.")
    faults = {}
    for name, value in data.items():
        if name not in FAULTABLE_ENDPOINTS:
            raise ConfigError(f"faults: unknown endpoint {name!r}; "
                              f"use one of {FAULTABLE_ENDPOINTS}.")
        faults[name] = _build(EndpointFault, value, f"faults.{name}")
    return faults


def load_config(path: str | Path) -> SandboxConfig:
    """Read a JSON configuration file. A relative ``signing_key_path`` is taken relative to
    the file's folder."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object.")
    return config_from_dict(data, base_dir=path.parent)
