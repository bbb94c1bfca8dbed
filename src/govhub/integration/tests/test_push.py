"""After a new snapshot, each gateway's admin URL hears ``POST /snapshot/refresh`` (a real
HTTP server on 127.0.0.1; the test task backend runs the push at once)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from govhub.integration import models, services
from govhub.integration.tests.fixtures import Hub

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway_admin() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/admin", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_new_snapshot_is_pushed_to_gateways(hub: Hub, gateway_admin: tuple[str, list[str]],
                                              django_capture_on_commit_callbacks: Any) -> None:
    url, seen = gateway_admin
    services.register_gateway(actor=hub.platform, code="gw-1", name="GW", admin_url=url)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_quota(actor=hub.consumer_operator, system=hub.consumer, requests=5,
                           per_seconds=1)
    assert models.ConfigSnapshot.objects.count() == 1
    assert seen == ["/admin/snapshot/refresh"]
    with django_capture_on_commit_callbacks(execute=True):  # same quota: nothing new to push
        services.set_quota(actor=hub.consumer_operator, system=hub.consumer, requests=5,
                           per_seconds=1)
    assert models.ConfigSnapshot.objects.count() == 1
    assert seen == ["/admin/snapshot/refresh"]
