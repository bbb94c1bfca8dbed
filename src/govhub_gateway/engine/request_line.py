"""The request line as sent, checked against RFC 9112 §3.

llhttp (as httptools builds it, without its strict mode) accepts several spaces between the
request line's three parts, and its callbacks hand over only the method, the target and the
version, never the line. RFC 9112 §3 has exactly one SP between them; a line llhttp reads one
way and another parser another way is how requests get smuggled past a front end, so the
gateway refuses it (400). To see the line, this follows where each message starts in the
bytes the connection reads: at the start of a read when no message is in progress; after the
previous message in the same read, whose end is known from its head and a Content-Length
body. After a chunked body (whose chunk framing llhttp does not report) the next line is
looked for by its expected form, preceded by the line feed that ended the previous message.
"""

from __future__ import annotations

import re

_VERSION = re.compile(rb" HTTP/(\d)\.\d\r?\n")
_TAILS = {"1.1": b" HTTP/1.1\r\n", "1.0": b" HTTP/1.0\r\n"}  # the line's end, prebuilt


class RequestLineTracker:
    """One per client connection; the connection calls it from its llhttp callbacks."""

    __slots__ = ("consumed", "data", "line_at", "prefix")

    def __init__(self) -> None:
        self.data = b""  # the read being parsed
        # How far into ``data`` llhttp is known to be at the current callback (None: unknown).
        self.consumed: int | None = 0
        self.line_at: int | None = 0  # where the current message starts (in prefix + data)
        self.prefix = bytearray()  # the current head's bytes from earlier reads

    def read_begins(self, data: bytes, chunked_body: bool) -> None:
        """A read arrives; ``chunked_body``: a chunked body is being read (its framing, and
        so where the message ends in this read, is not reported by llhttp)."""
        self.data = data
        self.consumed = None if chunked_body else 0

    def read_ends(self, head_in_progress: bool) -> None:
        """The read was parsed; a head that continues in the next read keeps its bytes."""
        if head_in_progress:
            if self.line_at is None:
                self.prefix += self.data  # start unknown: the line is searched for later
            else:
                self.prefix += self.data[self.line_at:] if not self.prefix else self.data
                self.line_at = 0
        self.data = b""

    def message_begins(self) -> None:
        self.line_at = self.consumed
        self.prefix.clear()

    def body(self, size: int, chunked: bool) -> None:
        if self.consumed is not None:
            self.consumed = None if chunked else self.consumed + size

    def line_error(self, method: bytes, target: bytes, version: str) -> str | None:
        """Why the head just parsed does not start with ``method SP target SP version
        CRLF``, or None; also notes where this head ends, for the message after it."""
        prefix = self.prefix
        raw = bytes(prefix) + self.data if prefix else self.data
        tail = _TAILS.get(version) or b" HTTP/%b\r\n" % version.encode()
        expected = method + b" " + target + tail
        start = self.line_at
        if start is not None:
            while raw.startswith(b"\r\n", start):  # RFC 9112 §2.2: empty lines before it
                start += 2
            ok = raw.startswith(expected, start)
        else:
            start = raw.find(expected)
            ok = start == 0 or (start > 0 and raw[start - 1] == 0x0A)
        end = raw.find(b"\r\n\r\n", max(start, 0))
        self.consumed = end + 4 - len(prefix) if ok and end >= 0 else None
        self.prefix.clear()
        if ok:
            return None
        return "the request line must be method SP request-target SP HTTP-version (RFC 9112 §3)"

    def refused_major_version(self) -> bool:
        """The request line in progress names a major version other than 1 (llhttp refuses
        most of them as invalid; RFC 9110 §15.6.6 answers them with 505)."""
        if self.line_at is None:
            return False
        raw = bytes(self.prefix) + self.data if self.prefix else self.data
        start = self.line_at
        end = raw.find(b"\n", start)
        match = _VERSION.search(raw, start, end + 1) if end >= 0 else None
        return match is not None and match[1] != b"1"
