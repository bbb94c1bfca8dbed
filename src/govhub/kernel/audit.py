"""The audit log writer: every service calls :func:`record_audit` inside its transaction, so
the entry commits or rolls back together with the change it describes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from govhub.kernel import context
from govhub.kernel.actors import Actor, is_system
from govhub.kernel.audit_actions import require_registered
from govhub.kernel.models import AuditEntry

JSONValue = Any


def _json_safe(value: object) -> JSONValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, JSONValue]:
    """The instance's stored field values (foreign keys as ids), minus secrets."""
    skipped = set(exclude) | set(getattr(instance, "audit_exclude", ()))
    values: dict[str, JSONValue] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skipped:
            continue
        values[field.name] = _json_safe(getattr(instance, field.attname))
    return values


def record_audit(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_label: str = "",
    before: dict[str, JSONValue] | None = None,
    after: dict[str, JSONValue] | None = None,
    agency_id: uuid.UUID | None = None,
) -> AuditEntry:
    require_registered(action)
    request = context.current.get()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_label = target_label or str(target)
    actor_pk = None if is_system(actor) else getattr(actor, "pk", None)
    return AuditEntry.objects.create(
        actor_id=actor_pk,
        actor_label=str(actor)[:200],
        action=action,
        target_type=target_type,
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label[:300],
        agency_id=agency_id,
        before=_json_safe(before) if before is not None else None,
        after=_json_safe(after) if after is not None else None,
        ip_address=request.ip_address if request else None,
        user_agent=request.user_agent[:300] if request else "",
        request_id=request.request_id if request else "",
    )
