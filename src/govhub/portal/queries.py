"""Public figures for the home page: counts only, nothing personal."""

from __future__ import annotations

from dataclasses import dataclass

from govhub.identity.models import Agency, AgencyKind


@dataclass(frozen=True)
class ProvinceOverview:
    province: Agency | None
    communes: int
    wards: int
    special_zones: int
    departments: int


def province_overview() -> ProvinceOverview:
    province = Agency.objects.filter(kind=AgencyKind.PROVINCE, parent=None).order_by(
        "created_at").first()
    in_tree = (Agency.objects.filter(path__startswith=province.path) if province
               else Agency.objects.none())
    counts = {kind: in_tree.filter(kind=kind, is_active=True).count() for kind in AgencyKind}
    return ProvinceOverview(
        province=province,
        communes=counts[AgencyKind.COMMUNE],
        wards=counts[AgencyKind.WARD],
        special_zones=counts[AgencyKind.SPECIAL_ZONE],
        departments=counts[AgencyKind.DEPARTMENT],
    )
