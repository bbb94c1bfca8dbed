"""Domain events of the identity context (``kernel.events``, delivered after commit). Other
contexts react to them only through ``govhub.config.subscriptions``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from govhub.kernel.events import DomainEvent


@dataclass(frozen=True)
class AgencyCreated(DomainEvent):
    agency_id: uuid.UUID


@dataclass(frozen=True)
class AgencyUpdated(DomainEvent):
    agency_id: uuid.UUID


@dataclass(frozen=True)
class AccountCreated(DomainEvent):
    account_id: uuid.UUID


@dataclass(frozen=True)
class AccountUpdated(DomainEvent):
    account_id: uuid.UUID


@dataclass(frozen=True)
class RoleUpdated(DomainEvent):
    role: str  # the role's code
    requires_second_factor: bool


@dataclass(frozen=True)
class RoleGranted(DomainEvent):
    assignment_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    agency_id: uuid.UUID


@dataclass(frozen=True)
class RoleRevoked(DomainEvent):
    account_id: uuid.UUID
    role: str


@dataclass(frozen=True)
class SecondFactorAdded(DomainEvent):
    account_id: uuid.UUID
    method: str  # "authenticator_app" or "passkey"


@dataclass(frozen=True)
class SecondFactorRemoved(DomainEvent):
    account_id: uuid.UUID
    method: str  # "authenticator_app", "passkey", or "all" after a reset


@dataclass(frozen=True)
class ClientRegistered(DomainEvent):
    client_id: str  # OAuth 2 client_id (RFC 6749 §2.2)


@dataclass(frozen=True)
class SignedOut(DomainEvent):
    sid: str  # OpenID Connect session id of the sign-in that ended
    account_id: uuid.UUID


@dataclass(frozen=True)
class ConsentGiven(DomainEvent):
    consent_id: uuid.UUID
    account_id: uuid.UUID
    client_id: str
    scopes: tuple[str, ...]  # everything the consent now covers


@dataclass(frozen=True)
class ConsentWithdrawn(DomainEvent):
    """The app's tokens for the person are gone; whoever holds the person's data on the
    app's behalf must stop using it (Personal Data Protection Law 91/2025)."""

    consent_id: uuid.UUID
    account_id: uuid.UUID
    client_id: str
