"""The seam between the gateway's HTTP engine and its policies.

The engine (``govhub_gateway.engine.server`` and ``govhub_gateway.engine.upstream``) speaks
HTTP/1.1 at the asyncio protocol level with httptools doing all parsing; it knows nothing of
X-Road, keys or agreements. For every request it asks a :class:`Policy` what to do once the
head is parsed (and, for SOAP, once the body is read), then reports the :class:`Outcome` so the
policy can meter it and write evidence. Policies are precomputed from the config snapshot into
plain lookups, so ``decide`` costs microseconds and never awaits (docs/exchange-contract.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class RequestHead:
    method: str  # upper case, as sent
    target: str  # the raw request-target: path and query, as sent
    path: str  # the path part of ``target`` (still percent-encoded)
    query: str  # the query part of ``target`` without "?", "" when none
    # Names lower-cased, values as sent, in order; repeated headers appear repeatedly.
    headers: list[tuple[str, str]]
    client_address: str
    received_at: float  # time.time() when the head was complete
    # SHA-256 (lowercase hex) of the DER client certificate when mutual TLS presented one.
    peer_certificate_sha256: str | None = None
    content_length: int | None = None  # None: no body or chunked

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lower-case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(slots=True)
class Forward:
    """Send the request to an upstream origin and stream its response back."""

    scheme: str  # "http" or "https"
    host: str
    port: int
    target: str  # request-target for the upstream (path and query)
    timeout_seconds: float  # the whole exchange with the upstream: connect to last byte
    max_request_bytes: int
    max_response_bytes: int
    # Added to what is passed on (after hop-by-hop headers are removed, RFC 9110 §7.6.1).
    add_headers: list[tuple[str, str]] = field(default_factory=list)
    # Lower-case names never passed on (the consumer's credentials, say).
    drop_headers: frozenset[str] = frozenset()
    host_header: str | None = None  # Host for the upstream; default "host:port"
    capture_bodies: bool = False  # keep both bodies (up to the limits) for the evidence log
    exchange: Any = None  # the policy's own context, handed back in ``complete``
    # The service's further endpoints, tried in order only when connecting to the previous
    # one failed before any request byte was written (exchange contract §3, §4): each is
    # (scheme, host, port, target, host_header). Empty for a single-endpoint service.
    alternates: tuple[tuple[str, str, int, str, str], ...] = ()

    @property
    def origin(self) -> str:
        """The connection pool key: one pool per upstream origin."""
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(slots=True)
class Respond:
    """Answer locally: a refusal (problem+json), a metaservice, metrics."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    # When not None the engine calls ``complete`` (refusals are evidence too).
    exchange: Any = None


@dataclass(slots=True)
class ReadBody:
    """Routing needs the body (a SOAP envelope carries the X-Road header): read it whole, up
    to ``max_bytes`` (more → 413 problem+json), then call ``decide_with_body``."""

    max_bytes: int


@dataclass(slots=True)
class Outcome:
    status: int  # what the consumer received
    fault_origin: str  # "" on success, else a govhub_contracts.problem.FaultOrigin value
    request_bytes: int
    response_bytes: int
    request_sha256: str
    response_sha256: str
    total_seconds: float  # from head received to last byte sent
    # From the upstream request sent to its last byte received, or to the exchange's failure;
    # None when no byte of the request was written to a provider.
    upstream_seconds: float | None = None
    request_body: bytes | None = None  # only when Forward.capture_bodies
    response_body: bytes | None = None
    error: str = ""  # why the engine failed the exchange (timeout, upstream closed, …)


Decision = Forward | Respond | ReadBody


class Policy(Protocol):
    def decide(self, head: RequestHead) -> Decision: ...

    def decide_with_body(self, head: RequestHead, body: bytes) -> Forward | Respond: ...

    def complete(self, head: RequestHead, exchange: Any, outcome: Outcome) -> None: ...


class EvidenceSink(Protocol):
    """Where the policy writes one record per exchange. ``fields`` are those of
    ``govhub_contracts.snapshot.EvidenceRecord`` except ``gateway``, ``sequence``,
    ``previous_hash`` and ``hash``, which the sink (the durable spool) assigns."""

    def append(self, fields: dict[str, Any]) -> None: ...
