"""The snapshot poller and heartbeats against a fake control plane on a real socket
(``tests.support.gateway_control_plane``, shared with the shipper's and the runner's tests).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from govhub_contracts.snapshot import (
    Snapshot,
)
from govhub_gateway.control.snapshot_client import (
    HeartbeatSender,
    SnapshotClient,
    SnapshotRejectedError,
)
from tests.support.gateway_control_plane import GATEWAY, TOKEN, FakeControlPlane, make_snapshot, run


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
    from tests.support.spool_records import exchange

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
