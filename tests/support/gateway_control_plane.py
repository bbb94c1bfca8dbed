"""A fake control plane on a real socket for the gateway's tests: the three endpoints a gateway
calls, as the control plane serves them (bearer token, ETag/304, idempotent evidence with 409 on
a conflicting hash, 403 for another gateway's records), and a runner with a hard deadline for
async scenarios."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from govhub_contracts.snapshot import (
    EvidenceBatch,
    EvidenceRecord,
    Heartbeat,
    Member,
    Service,
    Snapshot,
    System,
)

TOKEN = "ghg_test-gateway-token"


GATEWAY = "gw-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_snapshot(version: int, **fields: Any) -> Snapshot:
    fields.setdefault("members", [Member(code="000.00.00.G01", name="Sở Tư pháp")])
    fields.setdefault("systems", [System(member="000.00.00.G01", code="hotich", name="Hộ tịch")])
    fields.setdefault("services", [Service(member="000.00.00.G01", system="hotich",
                                           code="khaisinh", endpoints=["http://127.0.0.1:9"])])
    return Snapshot(version=version, generated_at=datetime.now(UTC), **fields).sealed()


class FakeControlPlane:
    def __init__(self, *, gateway: str = GATEWAY, token: str = TOKEN) -> None:
        self.gateway = gateway
        self.token = token
        self.snapshot_body: bytes | None = None
        self.snapshot_revision = ""
        self.snapshot_requests: list[str | None] = []  # If-None-Match of each request
        self.heartbeats: list[Heartbeat] = []
        self.evidence: dict[int, EvidenceRecord] = {}  # stored, by sequence
        self.received: list[int] = []  # every sequence posted, duplicates included
        self.evidence_status: int | None = None  # force an answer (an outage, a lost reply)
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def publish(self, snapshot: Snapshot) -> None:
        self.snapshot_body = snapshot.model_dump_json().encode()
        self.snapshot_revision = snapshot.revision

    def publish_raw(self, body: bytes, revision: str) -> None:
        self.snapshot_body, self.snapshot_revision = body, revision

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._authenticate])
        app.router.add_get("/api/integration/gateway/snapshot", self._snapshot)
        app.router.add_post("/api/integration/gateway/heartbeat", self._heartbeat)
        app.router.add_post("/api/integration/gateway/evidence", self._evidence)
        return app

    @web.middleware
    async def _authenticate(self, request: web.Request,
                            handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                            ) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._problem(401, "unauthenticated")
        return await handler(request)

    @staticmethod
    def _problem(status: int, title: str) -> web.Response:
        return web.Response(status=status, content_type="application/problem+json",
                            text=json.dumps({"type": "about:blank", "title": title,
                                             "status": status}))

    async def _snapshot(self, request: web.Request) -> web.Response:
        self.snapshot_requests.append(request.headers.get("If-None-Match"))
        if self.snapshot_body is None:
            return self._problem(404, "no snapshot yet")
        etag = f'"{self.snapshot_revision}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.snapshot_body, content_type="application/json",
                            headers={"ETag": etag})

    async def _heartbeat(self, request: web.Request) -> web.Response:
        heartbeat = Heartbeat.model_validate_json(await request.read())
        if heartbeat.gateway != self.gateway:
            return self._problem(403, "not this gateway")
        self.heartbeats.append(heartbeat)
        return web.Response(status=204)

    async def _evidence(self, request: web.Request) -> web.Response:
        batch = EvidenceBatch.model_validate_json(await request.read())
        if any(record.gateway != self.gateway for record in batch.records):
            return self._problem(403, "not this gateway")
        self.received += [record.sequence for record in batch.records]
        if self.evidence_status is not None and self.evidence_status != 200:
            return self._problem(self.evidence_status, "forced")
        for record in batch.records:
            stored = self.evidence.get(record.sequence)
            if stored is not None and stored.hash != record.hash:
                return self._problem(409, "conflicting hash")
        for record in batch.records:
            self.evidence[record.sequence] = record
        return web.json_response({"accepted": len(batch.records),
                                  "last_sequence": max(self.evidence, default=0)})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run an async scenario with a hard deadline, so no test can hang."""
    async def bounded() -> None:
        await asyncio.wait_for(scenario(), timeout=30)

    asyncio.run(bounded())
