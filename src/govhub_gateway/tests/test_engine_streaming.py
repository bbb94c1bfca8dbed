"""Large bodies flow through without being buffered whole, with back-pressure both ways."""

from __future__ import annotations

import asyncio
import hashlib
import tracemalloc

from govhub_gateway.tests.conftest import StaticPolicy, connect, gateway, raw_upstream, run

SIZE = 50 * 1024 * 1024
CHUNK = b"z" * 65536


def test_50mb_upload_streams_with_flow_control_and_bounded_memory() -> None:
    first_megabyte = asyncio.Event()
    received = hashlib.sha256()

    async def slow_sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"content-length: %d" % SIZE in head.lower()
        got = 0
        await asyncio.sleep(0.3)  # a slow provider: the gateway must stop reading the client
        while got < SIZE:
            data = await reader.read(65536)
            if not data:
                return
            got += len(data)
            received.update(data)
            if got >= 1 << 20:
                first_megabyte.set()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%d" % (len(str(got)), got))
        await writer.drain()

    async def scenario() -> None:
        upstream = await raw_upstream(slow_sink)
        policy = StaticPolicy(upstream.port, timeout_seconds=60)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        tracemalloc.start()
        writer.write(b"PUT /up HTTP/1.1\r\nHost: gw\r\nContent-Length: %d\r\n\r\n" % SIZE)
        sent = 0
        while sent < SIZE:
            writer.write(CHUNK)
            sent += len(CHUNK)
            await writer.drain()
            if sent == 8 << 20:
                # The provider sees the start of the body long before the client is done.
                await asyncio.wait_for(first_megabyte.wait(), 5)
        response = await responses.next(timeout=30)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert response is not None
        assert response.status == 200
        assert response.body == str(SIZE).encode()
        assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {SIZE}-byte body"
        outcome = policy.completed[0][2]
        assert outcome.request_bytes == SIZE
        assert outcome.request_sha256 == received.hexdigest()
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario(), timeout=120)


def test_50mb_chunked_download_streams_to_a_slow_client_with_bounded_memory() -> None:
    async def source(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(SIZE // len(CHUNK)):
            writer.write(b"%x\r\n%b\r\n" % (len(CHUNK), CHUNK))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def scenario() -> None:
        upstream = await raw_upstream(source)
        policy = StaticPolicy(upstream.port, timeout_seconds=60)
        server = await gateway(policy)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, limit=65536)
        tracemalloc.start()
        writer.write(b"GET /down HTTP/1.1\r\nHost: gw\r\n\r\n")
        await asyncio.sleep(0.5)  # a slow client: the gateway must stop reading upstream
        digest = hashlib.sha256()
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head.lower()
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                break
            data = await reader.readexactly(size + 2)
            digest.update(data[:-2])
            total += size
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert total == SIZE
        assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {SIZE}-byte body"
        outcome = policy.completed[0][2]
        assert outcome.response_bytes == SIZE
        assert outcome.response_sha256 == digest.hexdigest()
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario(), timeout=120)
