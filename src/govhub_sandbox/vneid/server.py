"""Run the provider on a real socket: in a background thread (tests, govhub's demo
supervisor) or in the foreground (``python -m govhub_sandbox.vneid``)."""

import asyncio
import ipaddress
import socket
import threading
from dataclasses import dataclass, replace

from aiohttp import web

from govhub_sandbox.vneid.app import create_app
from govhub_sandbox.vneid.config import SandboxConfig
from govhub_sandbox.vneid.store import Clock

STOP_TIMEOUT_SECONDS = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one, with no race between choosing and using."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def is_unspecified(host: str) -> bool:
    """0.0.0.0 or ::, which listen everywhere but name no host a client could use."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class RunningProvider:
    """A provider serving in a background thread; ``stop()`` ends it."""

    issuer: str
    app: web.Application
    _loop: asyncio.AbstractEventLoop
    _runner: web.AppRunner
    _thread: threading.Thread

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(timeout=STOP_TIMEOUT_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=STOP_TIMEOUT_SECONDS)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> "RunningProvider":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_in_thread(config: SandboxConfig | None = None, *, host: str = "127.0.0.1",
                    port: int = 0, clock: Clock | None = None) -> RunningProvider:
    """Start the provider on host:port (0: a free port) in a daemon thread. Unless the
    configuration names an issuer, the issuer is the socket's own base URL."""
    config = config or SandboxConfig()
    sock = bind(host, port)
    if config.issuer is None:
        config = replace(config, issuer=base_url(sock))
    assert config.issuer is not None
    app = create_app(config) if clock is None else create_app(config, clock=clock)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.SockSite(runner, sock).start())
    thread = threading.Thread(target=loop.run_forever, name="vneid-sandbox", daemon=True)
    thread.start()
    return RunningProvider(config.issuer, app, loop, runner, thread)
