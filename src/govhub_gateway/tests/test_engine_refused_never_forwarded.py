"""A request the gateway refuses as malformed must not reach the provider, and the evidence
must say what did (RFC 9112 §6.3: a message whose framing is invalid is not processed).

A raw client, the real engine with ``GatewayPolicy``, and a provider built on the sandbox's
REST skeleton (its request log records every call whose head reached it) with one write
operation that acts only on a complete body.
"""

from __future__ import annotations

import json

from govhub_gateway.tests.conftest import connect, eventually, is_closed, run
from govhub_gateway.tests.provider_stack import CREATED, ENDED, post_head, start_stack
from govhub_sandbox.upstream_kit import REQUEST_LOG


def _refused_before_forwarding(body: bytes, transfer_encoding: bytes) -> None:
    async def scenario() -> None:
        stack = await start_stack()
        try:
            await stack.write_call("req-warm")  # a pooled upstream connection is ready
            responses, writer = await connect(stack.server.port)
            writer.write(post_head("req-bad", transfer_encoding) + body)
            response = await responses.next()
            assert response is not None
            assert response.status == 400
            assert response.headers["content-type"] == "application/problem+json"
            assert json.loads(response.body)["type"] == "/problems/gateway-bad-request"
            assert await is_closed(responses)
            writer.close()
            # A later call is logged after anything the refused one could have sent.
            await stack.write_call("req-after")
            assert stack.logged_ids == ["req-warm", "req-after"]
            assert stack.app[CREATED] == [b"hello", b"hello"]
            # Nothing was forwarded, and no record claims an exchange with the provider.
            assert stack.evidence("req-bad") == []
        finally:
            await stack.close()
    run(scenario())


def test_transfer_encoding_the_parser_refuses_is_never_forwarded() -> None:
    # The gateway's own framing check trims the tab (RFC 9110 §5.5, OWS); llhttp refuses the
    # value once the head is parsed. Either way the provider must not see the request.
    _refused_before_forwarding(b"5\r\nhello\r\n0\r\n\r\n", b"chunked\t")


def test_invalid_chunk_size_with_the_head_is_never_forwarded() -> None:
    _refused_before_forwarding(b"zz\r\nhello\r\n0\r\n\r\n", b"chunked")


def test_invalid_chunk_after_streaming_began_never_completes_upstream() -> None:
    """Once the head is accepted, the body is streamed; a parse error later aborts the
    upstream connection before the last chunk, so the provider never receives a complete
    request, and the evidence says the request was forwarded (upstream_ms) and refused."""
    async def scenario() -> None:
        stack = await start_stack()
        try:
            responses, writer = await connect(stack.server.port)
            writer.write(post_head("req-stream") + b"5\r\nhello\r\n")
            assert await eventually(lambda: "req-stream" in stack.logged_ids)
            writer.write(b"zz\r\nworld\r\n0\r\n\r\n")
            response = await responses.next()
            assert response is not None
            assert response.status == 400
            assert json.loads(response.body)["type"] == "/problems/gateway-bad-request"
            assert await is_closed(responses)
            writer.close()
            assert await eventually(lambda: stack.app[ENDED] != [])
            assert stack.app[ENDED] == ["broken"]
            assert stack.app[CREATED] == []
            [entry] = stack.app[REQUEST_LOG]
            assert entry["status"] is None  # the provider never answered it
            [record] = stack.evidence("req-stream")
            assert (record["status"], record["fault_origin"]) == (400, "client")
            assert record["upstream_ms"] is not None  # it was forwarded, then aborted
            assert record["request_bytes"] == 5
        finally:
            await stack.close()
    run(scenario())
