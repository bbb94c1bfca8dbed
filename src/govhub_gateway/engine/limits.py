"""The engine's resource limits: what one client or one upstream may cost the gateway.

Defaults follow nginx's (large_client_header_buffers 4 x 8k → 16 KiB of head, keepalive_timeout
75s shortened to 15s because each idle connection holds a slot) and RFC 9112 §9.3 (a server
may close an idle persistent connection at any time).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EngineLimits:
    # Request line + header fields: a request-target past it → 414 (RFC 9112 §3), header
    # fields past it → 431 (RFC 6585 §5).
    max_header_bytes: int = 16384
    max_headers: int = 100
    header_timeout_seconds: float = 10.0  # first byte of a head → its end (slowloris)
    body_idle_timeout_seconds: float = 30.0  # longest silence while a request body arrives
    keepalive_timeout_seconds: float = 15.0  # idle persistent client connection
    upstream_connect_timeout_seconds: float = 5.0
    upstream_max_connections: int = 64  # per origin: the bulkhead (exchange contract §3)
    upstream_idle_seconds: float = 30.0  # idle pooled upstream connection
    # Client bytes buffered for one request while its upstream connection is being set up;
    # past it the client socket stops being read (back-pressure instead of memory).
    max_buffered_request_bytes: int = 262144
    # Requests parsed ahead of the one being answered (RFC 9112 §9.3.2 pipelining).
    max_pipelined_requests: int = 16

    @property
    def sweep_interval_seconds(self) -> float:
        """How often connection deadlines are checked: a quarter of the shortest timeout,
        between 50 ms and 1 s, so a timeout fires at most 25% late."""
        shortest = min(self.header_timeout_seconds, self.body_idle_timeout_seconds,
                       self.keepalive_timeout_seconds)
        return max(0.05, min(1.0, shortest / 4))
