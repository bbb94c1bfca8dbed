"""The X-Road identification every exchange carries (exchange contract §1).

REST consumers send four headers (X-Road REST message protocol, "Use of HTTP headers"), SOAP
consumers the same facts in the X-Road SOAP header (``govhub_gateway.policy.soap``); both become one
:class:`Identification`:

- ``X-Road-Client``: ``{member}/{system}``, both parts non-empty printable ASCII without spaces
  or further slashes (member codes such as ``000.00.00.H12``, Decision 20/2020/QĐ-TTg).
- ``X-Road-Id``: the consumer's request id and idempotency key, 1-128 characters of
  ``[A-Za-z0-9._:-]`` (a UUID fits; so does ``{system}:{sequence}``).
- ``X-Road-UserId``: the end user or officer the call is made for, required, 1-128 printable
  ASCII characters (an account id, not a name: personal data minimised, Law 91/2025).
- ``X-Road-Issue``: the public-service or dossier code the call serves (mã thủ tục hành chính
  or mã hồ sơ, Decree 61/2018/NĐ-CP and 107/2021/NĐ-CP), required, 1-128 printable ASCII
  characters. Decision: it is a *code*, not free text — HTTP header values are ISO-8859-1
  (RFC 9110 §5.5), so Vietnamese prose cannot travel safely in it, and the code is what an
  auditor cross-references with the dossier system. Surrounding spaces are trimmed.
- ``X-Road-Protocol-Version``: optional; when present it must be printable and short.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from govhub_contracts.problem import FieldError

MAX_VALUE_CHARS = 128
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# One part of a client id: printable ASCII without space or "/" (X-Road identifiers).
_CLIENT_PART = re.compile(r"[!-.0-~]+")
_PRINTABLE = re.compile(r"[ -~]+")


class Identification(NamedTuple):
    """Immutable like the frozen dataclass it was, but built in a fifth of the time: one per
    request on the hot path."""

    client: str  # ``{member}/{system}``
    request_id: str
    user_id: str
    issue: str
    protocol_version: str = ""


def field_error(name: str, detail: str, code: str, place: str = "headers") -> FieldError:
    """A FieldError pointing at a request header (RFC 6901 pointer, lower-cased name) or,
    with ``place`` "Envelope/Header", at a SOAP header element."""
    if place == "headers":
        name = name.lower()
    return FieldError(pointer=f"/{place}/{name}", field=f"{place.split('/')[-1]}.{name}",
                      detail=detail, code=code)


def check_client(value: str | None) -> str | None:
    """Why ``value`` is not a valid ``{member}/{system}``, or None when it is."""
    if value is None or value == "":
        return "missing"
    member, slash, system = value.partition("/")
    if not slash or not _CLIENT_PART.fullmatch(member) or not _CLIENT_PART.fullmatch(system):
        return "must be {member}/{system}: two non-empty printable parts without spaces"
    return None


def check_request_id(value: str | None) -> str | None:
    if value is None or value == "":
        return "missing"
    if not _REQUEST_ID.fullmatch(value):
        return "must be 1-128 characters of A-Z a-z 0-9 . _ : -"
    return None


def check_text(value: str | None) -> str | None:
    """For X-Road-UserId and X-Road-Issue: required, 1-128 printable ASCII characters."""
    if value is None or value == "":
        return "missing"
    if len(value) > MAX_VALUE_CHARS:
        return f"longer than {MAX_VALUE_CHARS} characters"
    if not _PRINTABLE.fullmatch(value):
        return "must be printable ASCII (a code, not free text)"
    return None


def _code(reason: str) -> str:
    return "missing" if reason == "missing" else "invalid"


def identify(client: str | None, request_id: str | None, user_id: str | None,
             issue: str | None, protocol_version: str | None,
             names: tuple[str, str, str, str, str], place: str = "headers"
             ) -> Identification | list[FieldError]:
    """Validate the five identification values; ``names`` are how each is called in the
    request (header names for REST, SOAP header elements for SOAP) for the error list, and
    ``place`` where they are (see :func:`field_error`)."""
    user_id = user_id.strip() if user_id is not None else None
    issue = issue.strip() if issue is not None else None
    errors: list[FieldError] = []
    checks = ((client, check_client), (request_id, check_request_id), (user_id, check_text),
              (issue, check_text))
    for (value, check), name in zip(checks, names, strict=False):
        reason = check(value)
        if reason is not None:
            errors.append(field_error(name, f"{name}: {reason}", _code(reason), place))
    if protocol_version is not None and check_text(protocol_version) is not None:
        errors.append(field_error(names[4], f"{names[4]}: must be printable, at most 128",
                                  "invalid", place))
    if errors:
        return errors
    # Checked above; the asserts tell the type checker.
    assert client is not None
    assert request_id is not None
    assert user_id is not None
    assert issue is not None
    return Identification(client=client, request_id=request_id, user_id=user_id, issue=issue,
                          protocol_version=protocol_version or "")


REST_HEADER_NAMES = ("X-Road-Client", "X-Road-Id", "X-Road-UserId", "X-Road-Issue",
                     "X-Road-Protocol-Version")


# The whole valid client id at once (same rule as check_client: one "/", two parts).
_CLIENT = re.compile(r"[!-.0-~]+/[!-.0-~]+")


# RFC 9110 §5.3: a field whose value is not a list is sent at most once. The gateway reads
# each of these as one value; taking the first of two silently would let the provider, a log
# or another proxy read the other one, so a repeat is refused.
SINGLE_VALUED = frozenset({name.lower() for name in REST_HEADER_NAMES} | {"authorization",
                                                                         "x-api-key"})


def repeated_single_valued(headers: list[tuple[str, str]]) -> list[str]:
    """The single-valued identification and credential fields sent more than once."""
    seen: set[str] = set()
    repeated: list[str] = []
    for name, _ in headers:
        if name in SINGLE_VALUED:
            if name in seen and name not in repeated:
                repeated.append(name)
            seen.add(name)
    return repeated


def first_values(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Each header's first value by (lower-case) name, built in C: the later duplicates are
    overwritten by the earlier ones. The policy builds it once per request and hands it to
    both identification and authentication (per-request cost)."""
    return dict(reversed(headers))


# (client, user id, issue) as sent → (user id, issue) trimmed, for triples that passed the
# checks: a consumer sends the same three on call after call, the request id differs. Only
# valid values, bounded, started afresh when full; the value is derived from the key alone,
# so nothing can pass from one request to another's identification.
WHO_CACHE_SIZE = 1024
_valid_who: dict[tuple[str, str, str], tuple[str, str]] = {}


def _check_who(client: str, user_id: str, issue: str) -> tuple[str, str] | None:
    trimmed_user, trimmed_issue = user_id.strip(), issue.strip()
    if not (_CLIENT.fullmatch(client)
            and 0 < len(trimmed_user) <= MAX_VALUE_CHARS and _PRINTABLE.fullmatch(trimmed_user)
            and 0 < len(trimmed_issue) <= MAX_VALUE_CHARS
            and _PRINTABLE.fullmatch(trimmed_issue)):
        return None
    if len(_valid_who) >= WHO_CACHE_SIZE:
        _valid_who.clear()
    who = _valid_who[(client, user_id, issue)] = (trimmed_user, trimmed_issue)
    return who


def identify_rest(headers: list[tuple[str, str]], found: dict[str, str] | None = None
                  ) -> Identification | list[FieldError]:
    """The identification from REST headers (names already lower-case, first value wins);
    ``found`` is :func:`first_values` of ``headers`` when the caller has it already."""
    if found is None:
        found = first_values(headers)
    client, request_id = found.get("x-road-client"), found.get("x-road-id")
    user_id, issue = found.get("x-road-userid"), found.get("x-road-issue")
    version = found.get("x-road-protocol-version")
    # The common case, valid headers, in a few C calls (per-request cost); any
    # doubt goes through identify(), which names every problem.
    if client and request_id and user_id and issue and version is None:
        who = _valid_who.get((client, user_id, issue)) or _check_who(client, user_id, issue)
        if who and _REQUEST_ID.fullmatch(request_id):
            return Identification(client, request_id, who[0], who[1])
    return identify(client, request_id, found.get("x-road-userid"),
                    found.get("x-road-issue"), version, REST_HEADER_NAMES)
