"""The outbox: every accepted message, newest last, in memory only (nothing survives a
restart; a sandbox holds no real personal data)."""

import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], float]


@dataclass(frozen=True)
class Message:
    message_id: str
    request_id: str
    brandname: str
    phone: str  # 84xxxxxxxxx
    message: str
    encoding: str
    segments: int
    received_at: float

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["received_at"] = datetime.fromtimestamp(self.received_at, UTC).isoformat()
        return data


class Outbox:
    def __init__(self, keep: int, clock: Clock = time.time) -> None:
        self._messages: deque[Message] = deque(maxlen=keep)
        self._by_request: dict[tuple[str, str], Message] = {}
        self._clock = clock

    def add(self, *, request_id: str, brandname: str, phone: str, message: str,
            encoding: str, segments: int) -> tuple[Message, bool]:
        """Store a message; for a request id seen before (a client's retry), the message
        stored then and False, so a retry never sends twice."""
        seen = self._by_request.get((brandname, request_id))
        if seen is not None and seen in self._messages:
            return seen, False
        stored = Message(uuid.uuid4().hex, request_id, brandname, phone, message, encoding,
                         segments, self._clock())
        if len(self._messages) == self._messages.maxlen:
            oldest = self._messages[0]
            self._by_request.pop((oldest.brandname, oldest.request_id), None)
        self._messages.append(stored)
        self._by_request[(brandname, request_id)] = stored
        return stored, True

    def latest(self, phone: str | None = None, limit: int = 50) -> list[Message]:
        """Newest first, optionally for one phone (84xxxxxxxxx)."""
        found = [m for m in reversed(self._messages) if phone is None or m.phone == phone]
        return found[:limit]

    def by_phone(self, per_phone: int) -> list[tuple[str, list[Message]]]:
        """Phones with their latest messages, the phone with the newest message first."""
        groups: dict[str, list[Message]] = {}
        for message in reversed(self._messages):
            group = groups.setdefault(message.phone, [])
            if len(group) < per_phone:
                group.append(message)
        return list(groups.items())

    def __len__(self) -> int:
        return len(self._messages)

    def clear(self) -> None:
        self._messages.clear()
        self._by_request.clear()
