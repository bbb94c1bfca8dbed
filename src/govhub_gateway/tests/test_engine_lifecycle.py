"""Mutual TLS identity, HEAD, and shutting the server down."""

from __future__ import annotations

import asyncio
import datetime
import gc
import hashlib
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from govhub_gateway.engine.forwarding import ForwardExchange
from govhub_gateway.engine.server import start_server
from govhub_gateway.tests.conftest import (
    StaticPolicy,
    connect,
    echo_upstream,
    eventually,
    gateway,
    is_closed,
    raw_upstream,
    read_request,
    run,
)


def self_signed(directory: Path, name: str) -> tuple[Path, Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path, cert.public_bytes(serialization.Encoding.DER)


def test_client_certificate_fingerprint_reaches_the_policy(tmp_path: Path) -> None:
    server_cert, server_key, _ = self_signed(tmp_path, "gateway")
    client_cert, client_key, client_der = self_signed(tmp_path, "consumer")

    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(server_cert, server_key)
        context.verify_mode = ssl.CERT_OPTIONAL  # the caller's choice; the engine keeps it
        context.load_verify_locations(client_cert)
        server = await start_server(policy, host="127.0.0.1", port=0, ssl_context=context)
        client = ssl.create_default_context(cafile=server_cert)
        client.load_cert_chain(client_cert, client_key)
        for tls in (client, ssl.create_default_context(cafile=server_cert)):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", server.port, ssl=tls, server_hostname="localhost")
            writer.write(b"GET /tls HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 200 OK")
            writer.close()
        assert [h.peer_certificate_sha256 for h in policy.heads] == [
            hashlib.sha256(client_der).hexdigest(), None]
        await server.close()
        await upstream.close()
    run(scenario())


def test_head_request_relays_length_without_waiting_for_a_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, _ = await read_request(reader)
            if head.startswith(b"HEAD"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nget")
            await writer.drain()

    async def scenario() -> None:
        upstream = await raw_upstream(handler)
        server = await gateway(StaticPolicy(upstream.port, timeout_seconds=2))
        responses, writer = await connect(server.port)
        writer.write(b"HEAD /h HTTP/1.1\r\nHost: gw\r\n\r\n")
        head = await asyncio.wait_for(responses.reader.readuntil(b"\r\n\r\n"), 1)
        assert head.startswith(b"HTTP/1.1 200")
        assert b"Content-Length: 1234" in head
        writer.write(b"GET /g HTTP/1.1\r\nHost: gw\r\n\r\n")  # same upstream connection
        rest = await asyncio.wait_for(responses.reader.readuntil(b"get"), 1)
        assert rest.startswith(b"HTTP/1.1 200")
        assert upstream.connections == 1
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_close_stops_accepting_and_closes_idle_connections() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port))
        port = server.port
        responses, writer = await connect(server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: gw\r\n\r\n")
        assert (await responses.next()) is not None
        await server.close()
        assert await is_closed(responses, timeout=1)
        assert await eventually(lambda: server.connection_count == 0)
        try:
            _, late = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            pass  # refused: not accepting any more
        else:
            late.close()
            raise AssertionError("the server still accepts connections after close()")
        writer.close()
        await upstream.close()
    run(scenario())


def test_a_finished_exchange_is_freed_without_the_cyclic_garbage_collector() -> None:
    """A request and its ForwardExchange must not form a reference cycle once the
    answer is written, or every exchange waits for (and pays) a GC collection."""
    def exchanges_alive() -> int:
        return sum(1 for thing in gc.get_objects() if type(thing) is ForwardExchange)

    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port))
        responses, writer = await connect(server.port)
        gc.collect()
        gc.disable()
        try:
            before = exchanges_alive()
            for number in range(20):
                writer.write(b"GET /n%d HTTP/1.1\r\nHost: gw\r\n\r\n" % number)
                response = await responses.next()
                assert response is not None
                assert response.status == 200
            await asyncio.sleep(0)
            assert exchanges_alive() - before == 0
        finally:
            gc.enable()
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())
