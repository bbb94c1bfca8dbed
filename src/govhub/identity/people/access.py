"""The one answer to "what may this actor see and do".

Every view, admin page, API operation and service asks :func:`access_for`. An actor's
active role assignments become a list of :class:`Grant`: a set of permissions over an
agency subtree (identified by its materialised path) or over everything (global roles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from govhub.identity.models import Account, Agency, RoleAssignment
from govhub.identity.people import roles
from govhub.kernel.actors import Actor, is_system

_CACHE_ATTRIBUTE = "_govhub_access"


@dataclass(frozen=True)
class Grant:
    role_code: str
    agency_id: Any
    agency_path: str
    permissions: frozenset[str]
    is_global: bool


class Access:
    """The permissions of one actor, resolved once per request."""

    def __init__(self, grants: list[Grant], *, is_system: bool = False) -> None:
        self.grants = grants
        self.is_system = is_system

    def _grants_with(self, permission: str) -> list[Grant]:
        return [g for g in self.grants if permission in g.permissions]

    def covers_everything(self, permission: str) -> bool:
        return self.is_system or any(g.is_global for g in self._grants_with(permission))

    def has(self, permission: str, agency: Agency | None = None) -> bool:
        """May the actor do ``permission`` — in ``agency`` if given, anywhere if not."""
        if self.covers_everything(permission):
            return True
        grants = self._grants_with(permission)
        if agency is None:
            return bool(grants)
        return any(agency.path.startswith(g.agency_path) for g in grants)

    def has_any(self, permissions: frozenset[str]) -> bool:
        return any(self.has(p) for p in permissions)

    def path_filter(self, permission: str, field: str = "path") -> Q | None:
        """A filter on ``field`` (a path) for the subtrees granted, or ``None`` when the
        actor holds the permission everywhere. An actor without it gets a filter that
        matches nothing."""
        if self.covers_everything(permission):
            return None
        condition = Q(pk__in=[])
        for grant in self._grants_with(permission):
            condition |= Q(**{f"{field}__startswith": grant.agency_path})
        return condition

    def role_codes(self) -> set[str]:
        return {g.role_code for g in self.grants}


def _load_grants(actor: Account) -> list[Grant]:
    now = timezone.now()
    assignments = (
        RoleAssignment.objects.filter(account_id=actor.pk, agency__is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("role", "agency")
    )
    return [
        Grant(
            role_code=a.role.code,
            agency_id=a.agency_id,
            agency_path=a.agency.path,
            permissions=frozenset(a.role.permissions),
            is_global=a.role.is_global,
        )
        for a in assignments
    ]


def access_for(actor: Actor | None) -> Access:
    """The actor's access, cached on the actor object (one request's lifetime)."""
    if is_system(actor):
        return Access([], is_system=True)
    account = signed_in_account(actor)
    if account is None or not account.is_active:
        return Access([])
    cached = getattr(actor, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = Access(_load_grants(account))
        setattr(actor, _CACHE_ATTRIBUTE, cached)
    return cached


def signed_in_account(actor: Actor | None) -> Account | None:
    """The actor as an account when a person signed in; ``None`` for an anonymous visitor
    and for the platform itself (``SYSTEM``)."""
    return actor if isinstance(actor, Account) and actor.is_authenticated else None


def forget_access(actor: Actor) -> None:
    """Drop the cached grants after the actor's own roles change."""
    if hasattr(actor, _CACHE_ATTRIBUTE):
        delattr(actor, _CACHE_ATTRIBUTE)


def may_use_admin(actor: Actor) -> bool:
    return access_for(actor).has_any(roles.ADMIN_SITE_PERMISSIONS)
