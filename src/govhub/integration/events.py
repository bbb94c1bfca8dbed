"""Domain events of the integration hub (``kernel.events``, delivered after commit). None is
subscribed yet; notifications (the requester hears of a decision) will listen here."""

from __future__ import annotations

AGREEMENT_REQUESTED = "integration.agreement_requested"
AGREEMENT_DECIDED = "integration.agreement_decided"  # payload: agreement_id, status
AGREEMENT_REVOKED = "integration.agreement_revoked"
SNAPSHOT_PUBLISHED = "integration.snapshot_published"  # payload: version, revision
