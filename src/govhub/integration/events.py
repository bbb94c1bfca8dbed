"""Domain events of the integration hub (``kernel.events``, delivered after commit). Other
contexts react to them only through ``govhub.config.subscriptions``; notifications (the
requester hears of a decision) will listen here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from govhub.kernel.events import DomainEvent


@dataclass(frozen=True)
class AgreementRequested(DomainEvent):
    agreement_id: uuid.UUID


@dataclass(frozen=True)
class AgreementDecided(DomainEvent):
    agreement_id: uuid.UUID
    status: str  # AgreementStatus: approved or refused


@dataclass(frozen=True)
class AgreementRevoked(DomainEvent):
    agreement_id: uuid.UUID


@dataclass(frozen=True)
class SnapshotPublished(DomainEvent):
    version: int
    revision: str
