"""Reads of the portal: public figures for the home page, and the catalog as the visitor may
see it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from govhub.identity import queries as identity_queries
from govhub.identity.people import roles
from govhub.identity.people.access import access_for, signed_in_account
from govhub.kernel.actors import Actor
from govhub.portal.models import AdoptionDaily, Audience, Category, MiniApp, Rating, Status

# --- The catalog of mini-apps -------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What decides which catalog entries a visitor sees."""

    is_signed_in: bool
    is_official: bool
    role_codes: frozenset[str]
    commune_ids: frozenset[Any]


def viewer_for(actor: Actor) -> Viewer:
    account = signed_in_account(actor)
    if account is None:
        return Viewer(False, False, frozenset(), frozenset())
    is_official = identity_queries.is_official(account)
    communes: set[Any] = set()
    if account.commune_id:
        communes.add(account.commune_id)
    if is_official and account.agency_id and account.agency:
        # An official of a commune (or of a unit under it) sees that commune's entries.
        communes.update(identity_queries.communes_of(account.agency))
    return Viewer(True, is_official, frozenset(access_for(actor).role_codes()),
                  frozenset(communes))


def visible_mini_apps(actor: Actor) -> QuerySet[MiniApp]:
    """The entries this visitor may see: never hidden ones; audience and commune decided
    here, not in templates, so no page or API can show another commune's entry."""
    viewer = viewer_for(actor)
    audience = Q(audience=Audience.EVERYONE)
    if not viewer.is_signed_in or not viewer.is_official:
        audience |= Q(audience=Audience.CITIZENS)
    if viewer.is_official:
        audience |= Q(audience=Audience.OFFICIALS)
    for code in viewer.role_codes:
        word = rf"(^|\s){re.escape(code)}(\s|$)"
        audience |= Q(audience=Audience.ROLES, role_codes__regex=word)
    restricted = MiniApp.communes.through.objects.values("miniapp_id")
    commune = ~Q(pk__in=restricted)
    if viewer.commune_ids:
        commune |= Q(pk__in=restricted.filter(agency_id__in=viewer.commune_ids))
    return (MiniApp.objects.exclude(status=Status.HIDDEN).filter(audience).filter(commune)
            .select_related("owner").order_by("order", "name_vi"))


def search_mini_apps(actor: Actor, *, text: str = "", category: str = "") -> QuerySet[MiniApp]:
    items = visible_mini_apps(actor)
    if category:
        items = items.filter(category=category)
    for word in text.split()[:6]:
        items = items.filter(Q(name_vi__icontains=word) | Q(name_en__icontains=word)
                             | Q(description_vi__icontains=word)
                             | Q(description_en__icontains=word) | Q(code__icontains=word))
    return items


def visible_mini_app(actor: Actor, code: str) -> MiniApp | None:
    return visible_mini_apps(actor).filter(code=code).first()


def categories_in(items: QuerySet[MiniApp]) -> list[tuple[str, str]]:
    present = set(items.values_list("category", flat=True))
    return [(value, str(label)) for value, label in Category.choices if value in present]


# --- What users say ---------------------------------------------------------------------


def own_rating(account: Any, mini_app: MiniApp | None) -> Rating | None:
    if not getattr(account, "is_authenticated", False):
        return None
    return Rating.objects.filter(account=account, mini_app=mini_app).first()


@dataclass(frozen=True)
class WeekAverage:
    week: dt.date
    average: float
    count: int


def weekly_trend(mini_app: MiniApp | None, *, weeks: int = 12) -> list[WeekAverage]:
    """Average rating per ISO week (by last change), the newest ``weeks`` weeks."""
    ratings = Rating.objects.filter(mini_app=mini_app).annotate(
        week=TruncWeek("updated_at")).values("week").annotate(
        average=Avg("stars"), count=Count("id")).order_by("-week")[:weeks]
    return [WeekAverage(_as_date(r["week"]), round(float(r["average"]), 2), r["count"])
            for r in reversed(list(ratings))]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# --- Adoption ---------------------------------------------------------------------------


def adoption_by_commune(rows: QuerySet[AdoptionDaily], since: dt.date) -> list[dict[str, Any]]:
    """Totals per commune since ``since``, over rows already scoped to the reader."""
    totals = rows.filter(date__gte=since).values("commune__name").annotate(
        installs=Sum("installs"), launches=Sum("standalone_launches"),
        active=Sum("active_users")).order_by("commune__name")
    return [dict(row) for row in totals]


# --- The admin's views, scoped by the access layer ------------------------------


def _owned_by_scope(actor: Actor, permission: str, field: str) -> Q | None:
    """Rows whose agency lies in the actor's subtrees; rows with none (province-wide) match
    no subtree, so only a platform-wide grant (``None``: everything) sees them."""
    return access_for(actor).path_filter(permission, field=f"{field}__path")


def catalog_for_admin(actor: Actor) -> QuerySet[MiniApp]:
    items = MiniApp.objects.select_related("owner").annotate(
        average_stars=Avg("ratings__stars"), rating_count=Count("ratings"))
    condition = _owned_by_scope(actor, roles.MANAGE_AGENCY, "owner")
    return items if condition is None else items.filter(condition)


def ratings_for_admin(actor: Actor) -> QuerySet[Rating]:
    ratings = Rating.objects.select_related("mini_app")
    condition = _owned_by_scope(actor, roles.MANAGE_AGENCY, "mini_app__owner")
    return ratings if condition is None else ratings.filter(condition)


def adoption_for_admin(actor: Actor) -> QuerySet[AdoptionDaily]:
    rows = AdoptionDaily.objects.select_related("commune")
    condition = _owned_by_scope(actor, roles.VIEW_AGENCY, "commune")
    return rows if condition is None else rows.filter(condition)
