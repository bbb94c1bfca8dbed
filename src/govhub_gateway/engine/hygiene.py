"""Header hygiene between client and upstream (RFC 9110 §7.6).

A proxy removes hop-by-hop fields both ways: Connection and every field it names, plus the
fields RFC 9110 §7.6.1 and RFC 9112 list as connection-specific. It adds Via (§7.6.3) and
appends the client address to X-Forwarded-For so the provider can log who called. Framing
(Content-Length / Transfer-Encoding) is never copied: the engine writes its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from govhub_gateway.engine.exchange import Forward, RequestHead

VIA = "1.1 govhub-gateway"
_VIA_BYTES = VIA.encode()

# RFC 9110 §7.6.1, plus Proxy-Connection (a non-standard field old clients still send) and
# Content-Length, which the engine recomputes from the framing it chooses.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
    "upgrade", "proxy-authorization", "proxy-authenticate", "content-length",
})
_HOP_BY_HOP_BYTES = frozenset(name.encode() for name in HOP_BY_HOP)  # response names are bytes
# The gateway answers Expect itself (RFC 9110 §10.1.1), and sets Host for the upstream.
_REQUEST_ONLY = frozenset({"expect", "host"})


@functools.lru_cache(maxsize=64)
def _always_dropped(policy_drops: frozenset[str]) -> frozenset[str]:
    """Hop-by-hop and request-only fields plus the policy's: one set per policy's set
    (policies reuse one frozenset), not three unions per request."""
    return HOP_BY_HOP | _REQUEST_ONLY | policy_drops


def connection_options(headers: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The field names the Connection header lists (lower-case): hop-by-hop too."""
    names: set[str] = set()
    for name, value in headers:
        if name == "connection":
            names.update(token.strip().lower() for token in value.split(",") if token.strip())
    return frozenset(names)


def framing_error(headers: Iterable[tuple[str, str]]) -> str | None:
    """Why the request's framing is ambiguous, or None. RFC 9112 §6.1 and §6.3: a message
    with both Transfer-Encoding and Content-Length, several differing Content-Length
    values, or a Transfer-Encoding whose final coding is not chunked, is a request-smuggling
    vector and must be rejected. llhttp catches most of these; this check does not depend
    on its leniency flags. Other codings than chunked are refused as well (we do not
    implement them, §6.1)."""
    lengths: list[str] = []
    codings: list[str] = []
    for name, value in headers:
        if name == "content-length":
            lengths.append(value.strip())
        elif name == "transfer-encoding":
            codings.extend(c.strip().lower() for c in value.split(","))
    if codings and lengths:
        return "Transfer-Encoding together with Content-Length"
    if len(lengths) > 1:
        return "repeated Content-Length"
    if lengths and not lengths[0].isdigit():
        return "invalid Content-Length"
    if codings and codings != ["chunked"]:
        return "Transfer-Encoding other than chunked"
    return None


def upstream_request_headers(head: RequestHead, forward: Forward) -> list[str]:
    """Header lines (without CRLF) for the upstream request, framing excluded. One pass
    over the headers (per-request cost on the hot path); a Connection header naming further fields
    (rare: HTTP/1.1 keeps alive by default) goes through the two-pass
    :func:`_upstream_request_headers`, which drops those fields wherever they stand."""
    dropped = _always_dropped(forward.drop_headers)
    lines = [f"host: {forward.host_header or f'{forward.host}:{forward.port}'}"]
    via: list[str] = []
    forwarded_for: list[str] = []
    for name, value in head.headers:
        if name in dropped:
            if name == "connection" and not connection_options([(name, value)]) <= dropped:
                return _upstream_request_headers(head, forward)
            continue
        if name == "via":
            via.append(value)
        elif name == "x-forwarded-for":
            forwarded_for.append(value)
        else:
            lines.append(f"{name}: {value}")
    forwarded_for.append(head.client_address)
    via.append(VIA)
    lines.append(f"x-forwarded-for: {', '.join(forwarded_for)}")
    lines.append(f"via: {', '.join(via)}")
    lines.extend(f"{name}: {value}" for name, value in forward.add_headers)
    return lines


def _upstream_request_headers(head: RequestHead, forward: Forward) -> list[str]:
    options = connection_options(head.headers)
    dropped = _always_dropped(forward.drop_headers)
    if options:
        dropped = dropped | options
    host = forward.host_header or f"{forward.host}:{forward.port}"
    lines = [f"host: {host}"]
    via: list[str] = []
    forwarded_for: list[str] = []
    for name, value in head.headers:
        if name in dropped:
            continue
        if name == "via":
            via.append(value)
        elif name == "x-forwarded-for":
            forwarded_for.append(value)
        else:
            lines.append(f"{name}: {value}")
    forwarded_for.append(head.client_address)
    via.append(VIA)
    lines.append(f"x-forwarded-for: {', '.join(forwarded_for)}")
    lines.append(f"via: {', '.join(via)}")
    lines.extend(f"{name}: {value}" for name, value in forward.add_headers)
    return lines


def client_response_headers(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    """Header lines (without CRLF) for the client, framing excluded, Via appended. One
    pass (hot path); a Connection header naming more than hop-by-hop fields (``keep-alive``
    is the usual one) goes through the two-pass :func:`_client_response_headers`."""
    lines: list[bytes] = []
    via = b""
    for name, value in headers:
        lower = name.lower()
        if lower in _HOP_BY_HOP_BYTES:
            if lower == b"connection" and not {
                    token.strip().lower() for token in value.split(b",")
            } <= _HOP_BY_HOP_BYTES:
                return _client_response_headers(headers)
            continue
        if lower == b"via":
            via = via + b", " + value if via else value
            continue
        lines.append(name + b": " + value)
    lines.append(b"Via: " + (via + b", " if via else b"") + _VIA_BYTES)
    return lines


def _client_response_headers(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    options = {
        token.strip().lower()
        for name, value in headers if name.lower() == b"connection"
        for token in value.split(b",")
    }
    lines: list[bytes] = []
    via = b""
    for name, value in headers:
        lower = name.lower()
        if lower in options or lower in _HOP_BY_HOP_BYTES:
            continue
        if lower == b"via":
            via = via + b", " + value if via else value
            continue
        lines.append(name + b": " + value)
    lines.append(b"Via: " + (via + b", " if via else b"") + _VIA_BYTES)
    return lines
