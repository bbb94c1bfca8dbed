"""The evidence shipper: a control-plane outage loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from govhub_gateway.evidence.shipper import EvidenceShipper, ShipError
from govhub_gateway.evidence.spool import EvidenceSpool
from tests.support.gateway_control_plane import GATEWAY, TOKEN, FakeControlPlane, run
from tests.support.spool_records import exchange


def filled_spool(directory: Path, count: int) -> EvidenceSpool:
    spool = EvidenceSpool(directory, GATEWAY)
    for number in range(count):
        spool.append_record(exchange(number))
    return spool


def test_outage_then_recovery_ships_everything_once_in_order(tmp_path: Path) -> None:
    async def scenario() -> None:
        spool = filled_spool(tmp_path, 1200)
        plane = FakeControlPlane()  # not started: the control plane is down
        async with aiohttp.ClientSession() as session:
            shipper = EvidenceShipper(spool, session=session, control_url=plane.url,
                                      token=TOKEN, interval_seconds=0.05)
            with pytest.raises(ShipError, match="unreachable"):
                await shipper.ship_once()
            assert shipper.pending_count() == 1200
            assert not (tmp_path / "cursor.json").exists()

            task = asyncio.create_task(shipper.run())
            await asyncio.sleep(0.3)  # a few failed attempts while it is down
            assert shipper.failures >= 1
            await plane.start()
            while shipper.pending_count():
                await asyncio.sleep(0.05)
            for number in range(1200, 1250):  # exchanges keep coming after the recovery
                spool.append_record(exchange(number))
            while shipper.pending_count():
                await asyncio.sleep(0.05)
            task.cancel()
        await plane.stop()
        spool.close()

        assert plane.received == list(range(1, 1251))  # each once, in order
        assert sorted(plane.evidence) == list(range(1, 1251))
        assert spool.shipped_sequence == 1250

    run(scenario)


def test_batches_hold_at_most_500_records(tmp_path: Path) -> None:
    async def scenario() -> None:
        spool = filled_spool(tmp_path, 1001)
        plane = FakeControlPlane()
        await plane.start()
        async with aiohttp.ClientSession() as session:
            shipper = EvidenceShipper(spool, session=session, control_url=plane.url,
                                      token=TOKEN)
            assert [await shipper.ship_once() for _ in range(4)] == [500, 500, 1, 0]
        await plane.stop()
        spool.close()

    run(scenario)


@pytest.mark.parametrize("status", [500, 503, 409, 403])
def test_the_cursor_moves_only_on_200(tmp_path: Path, status: int) -> None:
    async def scenario() -> None:
        spool = filled_spool(tmp_path, 10)
        plane = FakeControlPlane()
        plane.evidence_status = status
        await plane.start()
        async with aiohttp.ClientSession() as session:
            shipper = EvidenceShipper(spool, session=session, control_url=plane.url,
                                      token=TOKEN)
            with pytest.raises(ShipError, match=str(status)):
                await shipper.ship_once()
            assert shipper.pending_count() == 10
            assert spool.pending(100).records[0].sequence == 1
            # The control plane comes back: the same records go again and are stored once.
            plane.evidence_status = None
            assert await shipper.ship_once() == 10
        await plane.stop()
        spool.close()
        assert shipper.pending_count() == 0
        assert sorted(plane.evidence) == list(range(1, 11))

    run(scenario)


def test_a_lost_acknowledgement_is_resent_and_stored_once(tmp_path: Path) -> None:
    """The control plane stored the batch but its answer never arrived: the gateway sends
    it again (idempotent per gateway and sequence), then moves on."""

    async def scenario() -> None:
        spool = filled_spool(tmp_path, 3)
        plane = FakeControlPlane()
        await plane.start()
        async with aiohttp.ClientSession() as session:
            shipper = EvidenceShipper(spool, session=session, control_url=plane.url,
                                      token=TOKEN)
            batch = spool.pending(10)
            async with session.post(f"{plane.url}/api/integration/gateway/evidence",
                                    headers={"Authorization": f"Bearer {TOKEN}"},
                                    json={"records": [r.model_dump(mode="json")
                                                      for r in batch.records]}) as response:
                assert response.status == 200  # stored, but the gateway never saw it
            assert shipper.pending_count() == 3
            assert await shipper.ship_once() == 3
        await plane.stop()
        spool.close()
        assert plane.received == [1, 2, 3, 1, 2, 3]
        assert sorted(plane.evidence) == [1, 2, 3]

    run(scenario)


def test_a_wrong_token_keeps_the_records(tmp_path: Path) -> None:
    async def scenario() -> None:
        spool = filled_spool(tmp_path, 2)
        plane = FakeControlPlane()
        await plane.start()
        async with aiohttp.ClientSession() as session:
            shipper = EvidenceShipper(spool, session=session, control_url=plane.url,
                                      token="ghg_revoked")
            with pytest.raises(ShipError, match="401"):
                await shipper.ship_once()
        await plane.stop()
        spool.close()
        assert spool.pending_count() == 2
        assert plane.evidence == {}

    run(scenario)
