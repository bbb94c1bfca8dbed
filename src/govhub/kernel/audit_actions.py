"""The verbs an audit entry may carry, and who declared them.

The kernel stores a verb as a plain string (``AuditEntry.action``) and enumerates none but its
own generic ones: each context declares its verbs in its ``audit_actions.py`` as a
``TextChoices`` and registers them from its ``AppConfig.ready``, so a new verb needs no kernel
migration. The registry gives the admin its labels and filter, and :func:`require_registered`
lets :func:`govhub.kernel.audit.record_audit` refuse a verb nobody declared (a typo would
otherwise write entries no filter ever finds).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# The width of ``AuditEntry.action``: a longer verb could not be stored.
MAX_LENGTH = 32


class AuditAction(models.TextChoices):
    """Verbs every context uses for its own objects."""

    CREATE = "create", pgettext_lazy("audit action", "Create")
    UPDATE = "update", pgettext_lazy("audit action", "Update")
    DELETE = "delete", pgettext_lazy("audit action", "Delete")


@dataclass(frozen=True)
class RegisteredAction:
    value: str
    label: str | Promise
    owner: str


class UnregisteredAuditActionError(ValueError):
    """A write tried to record a verb that no context registered."""


_registry: dict[str, RegisteredAction] = {}


def register_audit_actions(actions: type[models.TextChoices], *, owner: str) -> None:
    """Make ``actions`` recordable. ``owner`` is the registering app's label; registering the
    same verbs again (a second ``ready``) is harmless, claiming another owner's verb is not."""
    for action in actions:
        value, label = str(action.value), action.label
        if len(value) > MAX_LENGTH:
            raise ImproperlyConfigured(
                f"audit action {value!r} of {owner} is longer than {MAX_LENGTH} characters")
        known = _registry.get(value)
        if known is not None and known.owner != owner:
            raise ImproperlyConfigured(
                f"audit action {value!r} of {owner} is already registered by {known.owner}")
        _registry[value] = RegisteredAction(value=value, label=label, owner=owner)


def unregister_audit_actions(actions: type[models.TextChoices], *, owner: str) -> None:
    for action in actions:
        known = _registry.get(str(action.value))
        if known is not None and known.owner == owner:
            del _registry[known.value]


def is_registered(value: str) -> bool:
    return value in _registry


def require_registered(value: str) -> None:
    if value not in _registry:
        raise UnregisteredAuditActionError(
            f"audit action {value!r} is not registered: declare it in the context's "
            "audit_actions.py and register it from its AppConfig.ready")


def action_label(value: str) -> str:
    """The verb in the reader's language; a stored verb no longer registered reads as is."""
    known = _registry.get(value)
    return str(known.label) if known is not None else value


def action_choices() -> list[tuple[str, str]]:
    """Every registered verb with its label, sorted by label, for filters and forms."""
    return sorted(((a.value, str(a.label)) for a in _registry.values()),
                  key=lambda choice: choice[1].casefold())
