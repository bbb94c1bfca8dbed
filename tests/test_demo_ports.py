"""The demo's port probe: a documented port is free when only TIME-WAIT connections of a
previous run remain on it (a second `make demo` after Ctrl-C keeps the README's addresses),
and taken when something listens, which the console says in one line."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest

from govhub import demo


def _listener() -> socket.socket:
    # As uvicorn, gunicorn and asyncio's create_server listen: with SO_REUSEADDR.
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


@contextlib.contextmanager
def _port_left_in_time_wait() -> Iterator[int]:
    """A port whose server answered a connection and closed it first (as an HTTP server
    does at the end of a keep-alive), then stopped: the server's side stays in TIME-WAIT."""
    server = _listener()
    port = int(server.getsockname()[1])
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server closes first: its end goes through TIME-WAIT
    assert client.recv(1) == b""
    client.close()
    server.close()
    yield port


def _plain_bind_fails(port: int) -> bool:
    with socket.socket() as plain:
        try:
            plain.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def test_a_port_in_time_wait_is_free_for_the_demo() -> None:
    with _port_left_in_time_wait() as port:
        # The situation is real: a bind without SO_REUSEADDR is refused (TIME-WAIT holds it).
        assert _plain_bind_fails(port)

        assert demo.free_port_or(port) == port
        assert demo.port_is_free(port)


def test_a_listening_port_is_taken_and_the_console_says_so(
        capsys: pytest.CaptureFixture[str]) -> None:
    server = _listener()
    port = int(server.getsockname()[1])
    try:
        assert not demo.port_is_free(port)
        chosen = demo.free_port_or(port, role="the hub gateway")
    finally:
        server.close()

    assert chosen != port
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [f"govhub demo: port {port} (the hub gateway) is taken by another "
                     f"program; the hub gateway listens on {chosen} instead."]
