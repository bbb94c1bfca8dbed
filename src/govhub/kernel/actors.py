"""Who performs a write. Services take ``actor`` explicitly (docs/development.md, ``verb_noun(*, …,
actor)``); work done by the platform itself (migrations, seeding, scheduled tasks) is done by
a :class:`SystemActor`, never by an anonymous ``None`` that could slip past authorisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Actor(Protocol):
    """Whoever a service acts for: a signed-in account, an anonymous visitor (Django's
    ``AnonymousUser``, whose ``pk`` is ``None``) or a :class:`SystemActor`. Only the key is
    common to all three; a context narrows to its account type before reading more
    (identity's ``access.signed_in_account``)."""

    @property
    def pk(self) -> object: ...


@dataclass(frozen=True)
class SystemActor:
    label: str

    @property
    def pk(self) -> None:
        return None

    def __str__(self) -> str:
        return f"[{self.label}]"


SYSTEM = SystemActor("system")


def is_system(actor: object) -> bool:
    return isinstance(actor, SystemActor)
