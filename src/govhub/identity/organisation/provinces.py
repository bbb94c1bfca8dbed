"""Reads the official list of provinces and communes (2025 two-level government) from the
``vietnam-provinces`` package: pure data, no writes."""

from __future__ import annotations

from dataclasses import dataclass

from vietnam_provinces import Province, ProvinceCode, VietNamDivisionType, Ward

from govhub.identity.models import AgencyKind

CA_MAU = 96

_KIND = {
    VietNamDivisionType.XA: AgencyKind.COMMUNE,
    VietNamDivisionType.PHUONG: AgencyKind.WARD,
    VietNamDivisionType.DAC_KHU: AgencyKind.SPECIAL_ZONE,
}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    short_name: str
    kind: AgencyKind


def province(code: int) -> Division:
    try:
        found = Province.from_code(ProvinceCode(code))
    except ValueError as error:
        raise ValueError(f"Unknown province code {code}") from error
    title = "Tỉnh" if found.division_type == VietNamDivisionType.TINH else "Thành phố"
    return Division(code=f"{code:02d}", name=f"{title} {found.name}", short_name=found.name,
                    kind=AgencyKind.PROVINCE)


def communes(code: int) -> list[Division]:
    """Every commune, ward and special zone of the province, with its official 5-digit code."""
    wards = [w for w in Ward.iter_all() if int(w.province_code) == code]
    return [
        Division(code=f"{int(w.code):05d}", name=w.name,
                 short_name=w.name.split(" ", 1)[1] if " " in w.name else w.name,
                 kind=_KIND[w.division_type])
        for w in sorted(wards, key=lambda w: int(w.code))
    ]
