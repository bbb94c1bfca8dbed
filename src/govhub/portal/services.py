"""Every write of the portal (docs/development.md): the catalog, ratings and adoption counts. One
transaction each, authorised through ``access``, audited. Notification settings and push
devices are written in ``notification_settings``, the seam the notifications context takes
over."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.identity.people import roles
from govhub.identity.people.access import signed_in_account
from govhub.identity.people.services.rules import assign_fields, require_permission
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit
from govhub.portal import events
from govhub.portal.models import (
    ActiveMark,
    AdoptionDaily,
    MiniApp,
    Rating,
)

if TYPE_CHECKING:
    from govhub.identity.models import Account, Agency

MINI_APP_FIELDS = frozenset({
    "code", "name_vi", "name_en", "description_vi", "description_en", "category", "icon",
    "audience", "role_codes", "kind", "url", "android_package", "app_store_url",
    "login_level", "scopes", "owner", "support_contact", "status", "maintenance_notice",
    "order", "is_featured"})


def _require_catalog_manager(actor: Actor, owner: Agency | None) -> None:
    # The catalog belongs to whoever manages the owning unit; an entry with no owner is the
    # province's, so only a platform-wide grant may change it (rules.require_permission).
    require_permission(actor, roles.MANAGE_AGENCY, owner)


def _check_communes(communes: Iterable[Agency]) -> list[Agency]:
    communes = list(communes)
    if any(not c.is_commune for c in communes):
        raise ValidationError({"communes": _("Only communes, wards and special zones.")})
    return communes


def _audit_snapshot(mini_app: MiniApp) -> dict[str, Any]:
    return {**snapshot(mini_app),
            "communes": sorted(str(pk) for pk in mini_app.communes.values_list("pk", flat=True))}


@transaction.atomic
def create_mini_app(*, actor: Actor, communes: Iterable[Agency] = (), **fields: Any) -> MiniApp:
    mini_app = MiniApp()
    assign_fields(mini_app, fields, MINI_APP_FIELDS)
    _require_catalog_manager(actor, mini_app.owner)
    mini_app.full_clean()
    mini_app.save()
    mini_app.communes.set(_check_communes(communes))
    record_audit(actor=actor, action=AuditAction.CREATE, target=mini_app,
                 after=_audit_snapshot(mini_app), agency_id=mini_app.owner_id)
    publish_on_commit(events.MiniAppChanged(code=mini_app.code))
    return mini_app


@transaction.atomic
def update_mini_app(*, actor: Actor, mini_app: MiniApp, communes: Iterable[Agency] | None = None,
                    **changes: Any) -> MiniApp:
    mini_app = MiniApp.objects.select_for_update().get(pk=mini_app.pk)
    _require_catalog_manager(actor, mini_app.owner)
    before = _audit_snapshot(mini_app)
    assign_fields(mini_app, changes, MINI_APP_FIELDS)
    if "owner" in changes:  # moving it to another unit needs rights there too
        _require_catalog_manager(actor, mini_app.owner)
    mini_app.full_clean()
    mini_app.save()
    if communes is not None:
        mini_app.communes.set(_check_communes(communes))
    record_audit(actor=actor, action=AuditAction.UPDATE, target=mini_app, before=before,
                 after=_audit_snapshot(mini_app), agency_id=mini_app.owner_id)
    publish_on_commit(events.MiniAppChanged(code=mini_app.code))
    return mini_app


def _require_signed_in(actor: Actor) -> Account:
    account = signed_in_account(actor)
    if account is None:
        raise PermissionDenied(_("Sign in first."))
    return account


@transaction.atomic
def rate_item(*, actor: Actor, mini_app: MiniApp | None, stars: int,
              comment: str = "") -> Rating:
    """The actor's rating of the app (``mini_app=None``) or of a mini-app they can see;
    a second rating replaces the first (one per person and item)."""
    account = _require_signed_in(actor)
    rating = (Rating.objects.select_for_update().filter(account=account, mini_app=mini_app)
              .first() or Rating(account=account, mini_app=mini_app))
    before = snapshot(rating) if rating.pk else None
    rating.stars, rating.comment = stars, comment.strip()
    rating.full_clean(validate_constraints=False)
    rating.save()
    record_audit(actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE,
                 target=rating, before=before, after=snapshot(rating))
    return rating


# --- Adoption: aggregates only ------------------------------------------------------------

SIGNALS = {"install": "installs", "standalone_launch": "standalone_launches",
           "active": "active_users"}


def _daily_key(day: dt.date) -> bytes:
    # A key that changes every day: yesterday's marks cannot be matched with today's, so
    # they show nothing about a person's habits even before they are deleted.
    return hmac.new(settings.SECRET_KEY.encode(), f"portal-active:{day}".encode(),
                    hashlib.sha256).digest()


def _first_activity_today(actor: Actor, day: dt.date) -> bool:
    digest = hmac.new(_daily_key(day), str(actor.pk).encode(), hashlib.sha256).hexdigest()
    ActiveMark.objects.filter(date__lt=day).delete()
    _mark, created = ActiveMark.objects.get_or_create(date=day, digest=digest)
    return created


@transaction.atomic
def record_adoption_signal(*, actor: Actor, signal: str, day: dt.date | None = None) -> bool:
    """Add one to today's count for the actor's commune; returns whether it counted.

    Not audited: an audit entry names its actor, and this must store no user id.
    An ``active`` signal counts signed-in people only, once per day each."""
    if signal not in SIGNALS:
        raise ValidationError(_("Unknown signal."))
    day = day or timezone.localdate()
    account = signed_in_account(actor)
    if signal == "active" and (account is None or not _first_activity_today(account, day)):
        return False
    commune_id = account.commune_id if account is not None else None
    row, _created = AdoptionDaily.objects.select_for_update().get_or_create(
        commune_id=commune_id, date=day)
    AdoptionDaily.objects.filter(pk=row.pk).update(**{SIGNALS[signal]: F(SIGNALS[signal]) + 1})
    return True
