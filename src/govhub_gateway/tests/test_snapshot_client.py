"""The snapshot poller and heartbeats against a fake control plane on a real socket.

``FakeControlPlane`` is the tests' collaborator (test_shipper and test_runner import it): the
three gateway endpoints as the control plane serves them — bearer token, ETag/304, idempotent
evidence with 409 on a conflicting hash, 403 for another gateway's records.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
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
from govhub_gateway.control.snapshot_client import (
    HeartbeatSender,
    SnapshotClient,
    SnapshotRejectedError,
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


class Served:
    """The policy's side of the callback: what was handed over, in order."""

    def __init__(self) -> None:
        self.versions: list[int] = []

    def __call__(self, snapshot: Snapshot) -> None:
        self.versions.append(snapshot.version)


def client_for(plane: FakeControlPlane, session: aiohttp.ClientSession, data_dir: Path,
               served: Served, **options: Any) -> SnapshotClient:
    return SnapshotClient(session=session, control_url=plane.url, token=TOKEN,
                          data_dir=data_dir, on_snapshot=served, **options)


def on_disk(data_dir: Path) -> Snapshot:
    return Snapshot.model_validate_json((data_dir / "snapshot.json").read_bytes())


def test_fetch_304_swap_and_refusals(tmp_path: Path) -> None:
    async def scenario() -> None:
        plane = FakeControlPlane()
        first = make_snapshot(1)
        plane.publish(first)
        await plane.start()
        served = Served()
        async with aiohttp.ClientSession() as session:
            client = client_for(plane, session, tmp_path, served)
            # First fetch: served, then kept on disk.
            assert await client.fetch_once() is True
            assert served.versions == [1]
            assert on_disk(tmp_path) == first
            # Unchanged revision: a conditional request answered 304, nothing re-applied.
            assert await client.fetch_once() is False
            assert plane.snapshot_requests == [None, f'"{first.revision}"']
            assert served.versions == [1]
            # A new version is swapped in and replaces the file.
            second = make_snapshot(2)
            plane.publish(second)
            assert await client.fetch_once() is True
            assert served.versions == [1, 2]
            assert on_disk(tmp_path) == second
            # A tampered body (content changed, revision kept) is refused.
            forged = json.loads(make_snapshot(3).model_dump_json())
            forged["services"][0]["endpoints"] = ["http://attacker.example:80"]
            plane.publish_raw(json.dumps(forged).encode(), forged["revision"])
            with pytest.raises(SnapshotRejectedError, match="tampered"):
                await client.fetch_once()
            # An older version, even intact, never replaces a newer one.
            plane.publish(make_snapshot(1))
            with pytest.raises(SnapshotRejectedError, match="not newer"):
                await client.fetch_once()
            assert served.versions == [1, 2]
            assert client.current == second
            assert on_disk(tmp_path) == second
        await plane.stop()

    run(scenario)


def test_a_snapshot_the_policy_refuses_is_not_written_to_disk(tmp_path: Path) -> None:
    async def scenario() -> None:
        plane = FakeControlPlane()
        plane.publish(make_snapshot(1))
        await plane.start()

        def refuse(snapshot: Snapshot) -> None:
            raise ValueError("cannot compile the routes")

        async with aiohttp.ClientSession() as session:
            client = SnapshotClient(session=session, control_url=plane.url, token=TOKEN,
                                    data_dir=tmp_path, on_snapshot=refuse)
            with pytest.raises(SnapshotRejectedError, match="policy could not load"):
                await client.fetch_once()
        assert client.current is None
        assert not (tmp_path / "snapshot.json").exists()
        await plane.stop()

    run(scenario)


def test_control_plane_down_at_start_serves_from_disk(tmp_path: Path) -> None:
    async def scenario() -> None:
        plane = FakeControlPlane()
        plane.publish(make_snapshot(4))
        await plane.start()
        async with aiohttp.ClientSession() as session:
            await client_for(plane, session, tmp_path, Served()).fetch_once()
        await plane.stop()  # the control plane goes down

        served = Served()
        async with aiohttp.ClientSession() as session:
            client = client_for(plane, session, tmp_path, served, poll_seconds=0.05)
            assert client.load_from_disk() is not None
            assert served.versions == [4]  # serving before any network call
            poller = asyncio.create_task(client.run())
            while client.failures < 2:  # it keeps trying, and keeps serving
                await asyncio.sleep(0.02)
            assert not poller.done()
            poller.cancel()
        assert client.current is not None
        assert client.current.version == 4

    run(scenario)


@pytest.mark.parametrize("damage", ["truncated", "tampered"])
def test_a_damaged_snapshot_on_disk_is_ignored(tmp_path: Path, damage: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    good = make_snapshot(2).model_dump_json()
    if damage == "truncated":
        text = good[: len(good) // 2]
    else:
        text = good.replace("http://127.0.0.1:9", "http://127.0.0.1:10")
    (tmp_path / "snapshot.json").write_text(text)
    served = Served()

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            client = client_for(FakeControlPlane(), session, tmp_path, served)
            assert client.load_from_disk() is None

    run(scenario)
    assert served.versions == []
    assert "ignoring the snapshot on disk" in caplog.text


def test_trigger_wakes_the_poller_at_once_but_at_most_once_a_second(tmp_path: Path) -> None:
    async def scenario() -> None:
        plane = FakeControlPlane()
        plane.publish(make_snapshot(1))
        await plane.start()
        served = Served()
        async with aiohttp.ClientSession() as session:
            client = client_for(plane, session, tmp_path, served, poll_seconds=60)
            poller = asyncio.create_task(client.run())
            while served.versions != [1]:
                await asyncio.sleep(0.01)
            plane.publish(make_snapshot(2))
            await asyncio.sleep(1.0)  # past the trigger's rate limit
            started = asyncio.get_running_loop().time()
            client.trigger()
            while served.versions != [1, 2]:
                await asyncio.sleep(0.01)
            assert asyncio.get_running_loop().time() - started < 3  # not the 60 s poll
            # A burst of pushes costs at most one fetch per second.
            before = client.fetches
            for _ in range(20):
                client.trigger()
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)
            assert client.fetches - before <= 1
            poller.cancel()
        await plane.stop()

    run(scenario)


def test_heartbeat_reports_version_revision_and_spooled_evidence(tmp_path: Path) -> None:
    async def scenario() -> None:
        plane = FakeControlPlane()
        snapshot = make_snapshot(7)
        plane.publish(snapshot)
        await plane.start()
        async with aiohttp.ClientSession() as session:
            client = client_for(plane, session, tmp_path, Served())
            await client.fetch_once()
            sender = HeartbeatSender(session=session, control_url=plane.url, token=TOKEN,
                                     gateway_id=GATEWAY, snapshots=client,
                                     spooled_evidence=lambda: 12)
            await sender.send_once()
        await plane.stop()
        (heartbeat,) = plane.heartbeats
        assert heartbeat.gateway == GATEWAY
        assert (heartbeat.snapshot_version, heartbeat.snapshot_revision) == (
            7, snapshot.revision)
        assert heartbeat.spooled_evidence == 12
        assert heartbeat.software_version

    run(scenario)


def test_heartbeat_carries_the_evidence_chain_heads(tmp_path: Path) -> None:
    """The last record written and the last one the control plane acknowledged, as the spool
    holds them, so the control plane can see a removed or rewritten tail of its own copy."""
    from govhub_gateway.evidence.spool import EvidenceSpool
    from govhub_gateway.tests.test_spool import exchange

    spool = EvidenceSpool(tmp_path / "spool", GATEWAY)
    records = [spool.append_record(exchange(number)) for number in range(1, 6)]
    spool.flush()
    spool.mark_shipped(spool.pending(3))
    plane = FakeControlPlane()

    async def scenario() -> None:
        plane.publish(make_snapshot(1))
        await plane.start()
        async with aiohttp.ClientSession() as session:
            client = client_for(plane, session, tmp_path, Served())
            sender = HeartbeatSender(session=session, control_url=plane.url, token=TOKEN,
                                     gateway_id=GATEWAY, snapshots=client,
                                     spooled_evidence=spool.pending_count,
                                     evidence_heads=spool.chain_heads)
            await sender.send_once()
            # An older caller that passes no heads still sends a valid heartbeat.
            await HeartbeatSender(session=session, control_url=plane.url, token=TOKEN,
                                  gateway_id=GATEWAY, snapshots=client,
                                  spooled_evidence=lambda: 0).send_once()
        await plane.stop()

    run(scenario)
    spool.close()
    current, older = plane.heartbeats
    assert current.spooled_evidence == 2
    assert current.evidence_head is not None
    assert current.evidence_shipped is not None
    assert (current.evidence_head.sequence, current.evidence_head.hash) == (5, records[4].hash)
    assert (current.evidence_shipped.sequence, current.evidence_shipped.hash) == (
        3, records[2].hash)
    assert older.evidence_head is None
    assert older.evidence_shipped is None
