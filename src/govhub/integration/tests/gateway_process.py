"""A real gateway process for end-to-end tests (``python -m govhub_gateway run``), pointed at
the test's live control plane, and a small HTTP client that keeps error bodies. Shared by the
hub's acceptance tests and the citizen app's hub-fed cards."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.polling import eventually

WAIT_SECONDS = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(url: str, *, headers: dict[str, str] | None = None, data: bytes | None = None,
         timeout: float = 10.0) -> Reply:
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                         response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()},
                     error.read())


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    url: str
    admin_url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_gateway(*, token_file: Path, data_dir: Path, control_url: str,
                  code: str = "gw-test", port: int | None = None,
                  admin_port: int | None = None) -> Gateway:
    """Start a gateway and wait until it serves a snapshot (its /healthz answers 200)."""
    port, admin_port = port or free_port(), admin_port or free_port()
    env = {**os.environ, "GOVHUB_GATEWAY_ID": code, "GOVHUB_GATEWAY_TOKEN_FILE":
           str(token_file), "GOVHUB_GATEWAY_CONTROL_URL": control_url,
           "GOVHUB_GATEWAY_DATA_DIR": str(data_dir), "GOVHUB_GATEWAY_PORT": str(port),
           "GOVHUB_GATEWAY_ADMIN_PORT": str(admin_port), "GOVHUB_GATEWAY_POLL_SECONDS": "1",
           "GOVHUB_GATEWAY_HEARTBEAT_SECONDS": "1", "GOVHUB_GATEWAY_SHIP_SECONDS": "0.2"}
    process = subprocess.Popen([sys.executable, "-m", "govhub_gateway", "run"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gateway = Gateway(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin_port}")

    def ready() -> bool:
        assert process.poll() is None, "the gateway exited"
        return call(f"{gateway.admin_url}/healthz", timeout=1).status == 200

    try:
        eventually(ready, ignoring=(OSError,), timeout_seconds=WAIT_SECONDS,
                   what="the gateway serves a snapshot")
    except BaseException:
        gateway.stop()
        raise
    return gateway
