"""Domain events of the citizen portal (``kernel.events``, delivered after commit). Other
contexts react to them only through ``govhub.config.subscriptions``."""

from __future__ import annotations

from dataclasses import dataclass

from govhub.kernel.events import DomainEvent


@dataclass(frozen=True)
class MiniAppChanged(DomainEvent):
    code: str  # the mini-app's catalog code
