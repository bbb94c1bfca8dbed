"""Run the provider on a real socket: in a background thread (tests, govhub's demo
supervisor) or in the foreground (``python -m govhub_sandbox.vneid``). The socket plumbing is
the sandboxes' shared :mod:`govhub_sandbox.serving`."""

from dataclasses import replace

from govhub_sandbox.serving import (
    RunningApp,
    base_url,
    bind,
    is_loopback,
    is_unspecified,
    start_on_socket,
)
from govhub_sandbox.vneid.app import create_app
from govhub_sandbox.vneid.config import SandboxConfig
from govhub_sandbox.vneid.store import Clock

__all__ = ["RunningProvider", "base_url", "bind", "is_loopback", "is_unspecified",
           "start_in_thread"]


class RunningProvider(RunningApp):
    """A provider serving in a background thread; ``stop()`` ends it."""

    @property
    def issuer(self) -> str:
        return self.url


def start_in_thread(config: SandboxConfig | None = None, *, host: str = "127.0.0.1",
                    port: int = 0, clock: Clock | None = None) -> RunningProvider:
    """Start the provider on host:port (0: a free port) in a daemon thread. Unless the
    configuration names an issuer, the issuer is the socket's own base URL."""
    config = config or SandboxConfig()
    sock = bind(host, port)
    if config.issuer is None:
        config = replace(config, issuer=base_url(sock))
    app = create_app(config) if clock is None else create_app(config, clock=clock)
    running = start_on_socket(app, sock, name="vneid-sandbox")
    return RunningProvider(config.issuer or running.url, running.app, running._loop,
                           running._runner, running._thread)
