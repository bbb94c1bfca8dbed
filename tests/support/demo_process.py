"""``govhub demo`` as a new user starts it, for the tests that drive the whole demo: a fresh
environment (no ``GOVHUB_*`` or ``DJANGO_*`` variable of the test run leaks in), a free port for
its web process, and a wait until an address answers."""

from __future__ import annotations

import os
import socket
import subprocess
import urllib.request
from pathlib import Path

from tests.support.polling import eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOVHUB_", "DJANGO_"))}
    env["GOVHUB_DATA_DIR"] = str(data_dir)
    return env


def wait_until_answers(url: str, process: subprocess.Popen, timeout_seconds: float = 180) -> None:
    """Until ``url`` answers 200; fails at once if the demo exits. The deadline is generous:
    on a loaded machine migrating and seeding a fresh database takes over a minute, and a
    poll returns as soon as the demo answers."""
    def answers() -> bool:
        assert process.poll() is None, "govhub demo exited early"
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)

    eventually(answers, ignoring=(OSError,), timeout_seconds=timeout_seconds,
               interval_seconds=0.3, what=f"{url} answers 200")


def wait_until_demo_ports_are_free(timeout_seconds: float = 30) -> None:
    """After a demo stopped: until no process of it still listens on the documented ports.
    honcho reports a process stopped when its direct child exits; a server's own workers can
    hold the port a moment longer, and the next demo would then move that part elsewhere."""
    from govhub.demo import (
        GATEWAY_ADMIN_PORT,
        GATEWAY_PORT,
        MINIAPP_PORT,
        SMS_SANDBOX_PORT,
        UPSTREAM_PORTS,
        VNEID_SANDBOX_PORT,
        port_is_free,
    )

    ports = [GATEWAY_PORT, GATEWAY_ADMIN_PORT, MINIAPP_PORT, SMS_SANDBOX_PORT,
             VNEID_SANDBOX_PORT, *UPSTREAM_PORTS.values()]
    eventually(lambda: all(port_is_free(port) for port in ports),
               timeout_seconds=timeout_seconds, what="the demo's documented ports are free")
