"""The request line as RFC 9112 §3 writes it, and identity headers sent once.

llhttp, as httptools builds it, is lenient where RFC 9112 is not: it accepts several spaces
between the request line's parts and HTTP/2.0 or HTTP/0.9 as versions. The gateway answers
those as the RFC says (400, 505), a request-target too long to parse with 414, and accepts the
absolute form a server must accept (§3.2.2), routed by its path.
"""

from __future__ import annotations

import json

import h11
import pytest

from govhub_gateway.tests.conftest import (
    StaticPolicy,
    connect,
    echo_upstream,
    gateway,
    is_closed,
    run,
)
from govhub_gateway.tests.policy_builders import API_KEY
from govhub_gateway.tests.provider_stack import CREATED, post_head, start_stack


async def _refused(raw: bytes, status: int, slug: str, **limits: int) -> list[bytes]:
    """Send ``raw``; expect ``status`` with the gateway's problem ``slug`` and a closed
    connection; returns what the upstream received."""
    upstream = await echo_upstream()
    server = await gateway(StaticPolicy(upstream.port), **limits)
    try:
        responses, writer = await connect(server.port)
        writer.write(raw)
        response = await responses.next()
        assert response is not None
        assert response.status == status
        assert response.headers["content-type"] == "application/problem+json"
        assert json.loads(response.body)["type"] == f"/problems/{slug}"
        assert await is_closed(responses)
        writer.close()
        return upstream.requests
    finally:
        await server.close()
        await upstream.close()


LENIENT_LINES = {
    "two_spaces_before_target": b"GET  /x HTTP/1.1\r\nHost: gw\r\n\r\n",
    "two_spaces_before_version": b"GET /x  HTTP/1.1\r\nHost: gw\r\n\r\n",
    "three_spaces": b"POST   /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nab",
}


@pytest.mark.parametrize("raw", LENIENT_LINES.values(), ids=LENIENT_LINES.keys())
def test_request_line_with_more_than_one_space_gets_400(raw: bytes) -> None:
    # RFC 9112 §3: request-line = method SP request-target SP HTTP-version; §3 also lets a
    # server refuse other whitespace with 400, which it must for what it does not parse alike.
    assert run(_refused(raw, 400, "gateway-bad-request")) == []


def _h11_status(raw: bytes) -> int:
    """What h11, an independent RFC 9112 parser, makes of ``raw``'s head: 200 when it reads a
    request, else the status it suggests."""
    connection = h11.Connection(h11.SERVER)
    connection.receive_data(raw)
    try:
        event = connection.next_event()
    except h11.RemoteProtocolError as exc:
        return exc.error_status_hint
    assert isinstance(event, h11.Request)
    return 200


def test_an_independent_parser_agrees_on_the_request_lines() -> None:
    for raw in LENIENT_LINES.values():
        assert _h11_status(raw) == 400
    for raw in (b"GET /x HTTP/1.1\r\nHost: gw\r\n\r\n",
                b"GET http://gw.example/r1/a?b HTTP/1.1\r\nHost: gw.example\r\n\r\n",
                b"OPTIONS * HTTP/1.1\r\nHost: gw\r\n\r\n"):
        assert _h11_status(raw) == 200


FIRST = {
    "content_length": b"POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabc",
    "chunked": b"POST /a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n0\r\n\r\n",
    "bodiless_and_empty_line": b"GET /a HTTP/1.1\r\nHost: gw\r\n\r\n\r\n",
}


@pytest.mark.parametrize("first", FIRST.values(), ids=FIRST.keys())
def test_pipelined_request_lines_in_one_read_are_checked_too(first: bytes) -> None:
    # Pipelined (RFC 9112 §9.3.2): the next request line starts in the middle of a read.
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port))
        responses, writer = await connect(server.port)
        writer.write(first + b"GET /b HTTP/1.1\r\nHost: gw\r\n\r\n"
                     + b"GET  /c HTTP/1.1\r\nHost: gw\r\n\r\n")
        answers = [await responses.next() for _ in range(3)]
        assert [a.status for a in answers if a is not None] == [200, 200, 400]
        assert answers[1] is not None
        assert answers[1].body == b"GET /b HTTP/1.1|"
        assert await is_closed(responses)
        assert len(upstream.requests) == 2
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_request_line_split_across_reads_is_checked_whole() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port))
        responses, writer = await connect(server.port)
        for part in (b"GET /split", b"/path HTTP/1", b".1\r\nHost: gw\r\n\r\n"):
            writer.write(part)
            await writer.drain()
        ok = await responses.next()
        assert ok is not None
        assert (ok.status, ok.body) == (200, b"GET /split/path HTTP/1.1|")
        for part in (b"GET /split", b"/path  HTTP/1", b".1\r\nHost: gw\r\n\r\n"):
            writer.write(part)
            await writer.drain()
        refused = await responses.next()
        assert refused is not None
        assert refused.status == 400
        assert len(upstream.requests) == 1
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


@pytest.mark.parametrize("version", [b"2.0", b"0.9", b"3.0"])
def test_other_major_versions_get_505(version: bytes) -> None:
    # RFC 9110 §15.6.6 and RFC 9112 §2.3: 505 when the major version is not supported.
    raw = b"GET /x HTTP/" + version + b"\r\nHost: gw\r\n\r\n"
    assert run(_refused(raw, 505, "gateway-http-version-not-supported")) == []


def test_request_target_too_long_gets_414_not_431() -> None:
    # RFC 9112 §3: a request-target longer than the server wishes to parse → 414.
    raw = b"GET /" + b"u" * 2000 + b" HTTP/1.1\r\nHost: gw\r\n\r\n"
    assert run(_refused(raw, 414, "gateway-uri-too-long", max_header_bytes=1024)) == []


def test_absolute_form_is_routed_by_its_path() -> None:
    # RFC 9112 §3.2.2: a server MUST accept the absolute form; the upstream gets origin form.
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(b"GET http://GW.example:80/r1/a/b?x=1 HTTP/1.1\r\n"
                     b"Host: gw.example\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert (response.status, response.body) == (200, b"GET /r1/a/b?x=1 HTTP/1.1|")
        assert (policy.heads[0].path, policy.heads[0].query) == ("/r1/a/b", "x=1")
        writer.write(b"GET https://gw.example HTTP/1.1\r\nHost: gw.example:443\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert (response.status, response.body) == (200, b"GET / HTTP/1.1|")
        writer.close()
        # HTTP/1.0 may leave Host out: the target's authority is the host.
        responses, writer = await connect(server.port)
        writer.write(b"GET http://gw.example/r1/c HTTP/1.0\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert (response.status, response.body) == (200, b"GET /r1/c HTTP/1.1|")
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


ABSOLUTE_REFUSED = {
    # RFC 9112 §3.2: Host must be identical to the target's authority.
    "other_host": b"GET http://elsewhere.example/r1/a/b HTTP/1.1\r\nHost: gw\r\n\r\n",
    # RFC 9110 §4.2.4: userinfo is not allowed in http(s) URIs.
    "userinfo": b"GET http://user@gw/r1/a/b HTTP/1.1\r\nHost: gw\r\n\r\n",
    "not_http": b"GET ftp://gw/r1/a/b HTTP/1.1\r\nHost: gw\r\n\r\n",
    "no_authority": b"GET http:///r1/a/b HTTP/1.1\r\nHost: gw\r\n\r\n",
}


@pytest.mark.parametrize("raw", ABSOLUTE_REFUSED.values(), ids=ABSOLUTE_REFUSED.keys())
def test_absolute_form_with_a_bad_authority_gets_400(raw: bytes) -> None:
    assert run(_refused(raw, 400, "gateway-bad-request")) == []


REPEATED = {
    "x_api_key": (f"X-Api-Key: {API_KEY}\r\n".encode()
                  + b"X-Api-Key: ghk_key2_" + b"o" * 43 + b"\r\n", "gateway-bad-request"),
    "authorization": (b"Authorization: Bearer ghk_key2_" + b"o" * 43 + b"\r\n",
                      "gateway-bad-request"),
    "x_road_client": (b"X-Road-Client: 000.00.00.H12.05/hrm\r\n",
                      "gateway-missing-identification"),
    "x_road_id": (b"X-Road-Id: req-other\r\n", "gateway-missing-identification"),
}


@pytest.mark.parametrize(("extra", "slug"), REPEATED.values(), ids=REPEATED.keys())
def test_repeated_credential_or_identification_header_gets_400(extra: bytes, slug: str) -> None:
    """The first value used to win silently; which one a provider or a log reads is then
    anyone's guess (RFC 9110 §5.3: these fields are single-valued)."""
    async def scenario() -> None:
        stack = await start_stack()
        try:
            responses, writer = await connect(stack.server.port)
            writer.write(post_head("req-twice", extra=extra) + b"5\r\nhello\r\n0\r\n\r\n")
            response = await responses.next()
            assert response is not None
            assert response.status == 400
            assert json.loads(response.body)["type"] == f"https://hub.test/problems/{slug}"
            writer.close()
            await stack.write_call("req-after")  # logged after anything the first could send
            assert stack.logged_ids == ["req-after"]
            assert stack.app[CREATED] == [b"hello"]
        finally:
            await stack.close()
    run(scenario())
