from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from govhub.kernel.audit_actions import MAX_LENGTH, action_label


class BaseModel(models.Model):
    """UUID key (safe to expose in URLs and APIs) and creation/update times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One write, as it happened. Append-only: nothing updates or deletes these rows.

    The actor and target are copied as text as well as ids so the entry still reads
    correctly after the account or object is renamed or removed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_id = models.UUIDField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    # A plain string: each context declares and registers its verbs (kernel.audit_actions),
    # so a new verb needs no kernel migration.
    action = models.CharField(_("action"), max_length=MAX_LENGTH)
    target_type = models.CharField(_("object type"), max_length=100, db_index=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    # The agency whose scope the object falls in: administrators see the entries of
    # their own subtree only (reads are scoped by agency, ADR 0007).
    agency_id = models.UUIDField(_("agency id"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} " \
            f"{self.target_label}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
