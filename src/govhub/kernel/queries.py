"""Reads of the kernel's own records, always narrowed to what the caller may see.

The kernel knows nothing of agencies' structure: the caller (identity's access layer)
passes the set of agency ids in scope, or ``None`` for a platform-wide reader.
"""

from __future__ import annotations

from django.db.models import QuerySet

from govhub.kernel.models import AuditEntry


def audit_entries(*, agency_ids: QuerySet | list | None) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if agency_ids is None:
        return entries
    return entries.filter(agency_id__in=agency_ids)
