"""The kinds identity's models choose from — agencies, accounts, identity assurance levels —
in a module of their own, so other contexts can name them (a mini-app for communes, a
citizens' page) without importing identity's models. ``govhub.identity.models`` uses them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
    OFFICE = "office", _("Office")
    DEPARTMENT = "department", _("Department")
    UNIT = "unit", _("Unit")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    CENTRAL = "central", _("Central agency")

    @classmethod
    def local_government(cls) -> list[str]:
        """Kinds that are communes in the 2025 two-level government (xã/phường/đặc khu)."""
        return [cls.COMMUNE, cls.WARD, cls.SPECIAL_ZONE]


class AccountKind(models.TextChoices):
    OFFICIAL = "official", _("Official")
    CITIZEN = "citizen", _("Citizen")


class AssuranceLevel(models.IntegerChoices):
    """Decree 69/2024/NĐ-CP: level 2 equals showing the chip ID card in person."""

    NONE = 0, _("Not verified")
    LEVEL_1 = 1, _("Level 1")
    LEVEL_2 = 2, _("Level 2")
