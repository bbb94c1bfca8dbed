"""One structured line per exchange: the gateway's access log.

The line is one JSON object, as the runner's ``JsonFormatter`` writes every other log line
(``time``, ``level``, ``logger``, ``message``, then the exchange's fields), so the log
collector reads both alike. It carries no credentials and no bodies, and not the user id
either: that personal data lives only in the tamper-evident evidence log, where access to it
is itself controlled (Personal Data Protection Law 91/2025: minimise copies).

Why not ``logging`` per request: a ``LogRecord``, the formatter's dict and ``json.dumps``,
the handler's lock and a write + flush per line cost about as much as the whole HTTP engine
(benchmarks/gateway_hub.py: ~30 µs of ~110 µs per exchange). Here the line is filled into a fixed
template (strings escaped by the ``json`` module's C encoder), kept in a list, and written
with the lines of the next ``FLUSH_SECONDS`` in one ``write`` by a loop callback (at once
when no loop runs, or when ``MAX_BUFFERED_LINES`` pile up; :meth:`AccessLog.close` writes
the rest on shutdown). Whether lines are written still follows
``logging``: the ``govhub_gateway.access`` logger must be enabled for INFO (the runner sets
the root to INFO; tests and tools that configure nothing get no access lines), so an
operator silences it as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import TextIO

LOGGER_NAME = "govhub_gateway.access"
# Lines wait at most this long, or until this many are buffered, then go out in one write:
# a busy gateway then makes one system call per a few hundred exchanges, not one per loop
# turn (~2 exchanges). An access line is operational telemetry, not evidence (the evidence
# spool has every exchange, within one loop turn): a crash may lose the last 50 ms of it.
FLUSH_SECONDS = 0.05
MAX_BUFFERED_LINES = 512

_gate = logging.getLogger(LOGGER_NAME)
# encode_basestring gives a quoted, escaped JSON string, non-ASCII kept as is (what
# json.dumps(ensure_ascii=False) writes).
# The time as JsonFormatter writes it: ISO 8601 in UTC (here always with microseconds).
_TEMPLATE = ('{"time":"%s.%06d+00:00","level":"info","logger":"' + LOGGER_NAME + '",'
             '"message":"exchange",'
             '"request_id":%s,"exchange_id":%s,%s,"status":%d,"duration_ms":%r,'
             '"fault_origin":%s}\n')
# The client, service and operation members, the same on every line of one route: encoded
# once per route (per-line cost). A pure function of the three values, so no text
# can pass between clients; bounded (a refused stranger's claimed client is in it), full it
# starts again, and the policy clears it on a snapshot swap.
ROUTE_CACHE_SIZE = 1024


class AccessLog:
    """Access lines to ``path`` (appended to) or, by default, to ``stream`` — ``sys.stderr``
    as it is when the lines are written, where the runner's JSON log goes."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 stream: TextIO | None = None) -> None:
        self._file: TextIO | None = None
        if path is not None:
            self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - see close()
        self._stream = stream
        self._lines: list[str] = []
        self._second = -1
        self._prefix = ""
        self._routes: dict[tuple[str, str, str], str] = {}

    def write(self, *, request_id: str, client: str, service: str, operation: str,
              status: int, duration_ms: float, fault_origin: str,
              exchange_id: str = "") -> None:
        if not _gate.isEnabledFor(logging.INFO):
            return
        now = time.time()
        second = int(now)
        if second != self._second:  # the date and time change once a second
            self._second = second
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        route = (client, service, operation)
        members = self._routes.get(route) or self._encode_route(route)
        lines = self._lines
        lines.append(_TEMPLATE % (
            self._prefix, int((now - second) * 1e6), encode_basestring(request_id),
            encode_basestring(exchange_id), members, status, round(duration_ms, 3),
            encode_basestring(fault_origin)))
        if len(lines) > 1 and len(lines) < MAX_BUFFERED_LINES:
            return  # a write is scheduled already
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if len(lines) >= MAX_BUFFERED_LINES:
            self.flush()
        else:
            loop.call_later(FLUSH_SECONDS, self.flush)

    def _encode_route(self, route: tuple[str, str, str]) -> str:
        client, service, operation = map(encode_basestring, route)
        members = f'"client":{client},"service":{service},"operation":{operation}'
        if len(self._routes) >= ROUTE_CACHE_SIZE:
            self._routes.clear()
        self._routes[route] = members
        return members

    def clear_cache(self) -> None:
        """Forget the encoded routes (the policy calls this when a snapshot is swapped in)."""
        self._routes.clear()

    def flush(self) -> None:
        """Write the buffered lines with one ``write``. A failing stream loses them, with a
        warning through ``logging``: the exchanges were answered already."""
        lines, self._lines = self._lines, []
        if not lines:
            return
        stream = self._file or self._stream or sys.stderr
        try:
            stream.write("".join(lines))
            stream.flush()
        except (OSError, ValueError) as error:  # ValueError: a closed stream
            logging.getLogger("govhub_gateway").warning(
                "%d access-log lines lost: %r", len(lines), error)

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
