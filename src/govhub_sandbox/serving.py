"""Serve a sandbox's aiohttp application on a real socket: in a background thread (tests,
an in-process demo) or in the foreground (each simulator's ``__main__``). Shared by the
simulators so each one's tests start it the same way."""

import asyncio
import ipaddress
import socket
import threading
from dataclasses import dataclass

from aiohttp import web

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
class RunningApp:
    """An application serving in a background thread; ``stop()`` ends it."""

    url: str  # base URL, http://host:port
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

    def __enter__(self) -> "RunningApp":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_in_thread(app: web.Application, *, host: str = "127.0.0.1", port: int = 0,
                    name: str = "sandbox") -> RunningApp:
    """Serve ``app`` on host:port (0: a free port) from a daemon thread."""
    return start_on_socket(app, bind(host, port), name=name)


def start_on_socket(app: web.Application, sock: socket.socket, *,
                    name: str = "sandbox") -> RunningApp:
    """Serve ``app`` on an already bound socket (for an app that must know its own URL
    before it is built, like an OpenID provider's issuer)."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.SockSite(runner, sock).start())
    thread = threading.Thread(target=loop.run_forever, name=name, daemon=True)
    thread.start()
    return RunningApp(base_url(sock), app, loop, runner, thread)
