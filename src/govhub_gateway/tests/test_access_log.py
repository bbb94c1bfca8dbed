"""The access log as an operator's log collector sees it: one JSON object per line, written
in batches, nothing lost on shutdown."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govhub_gateway.evidence.access_log import FLUSH_SECONDS, AccessLog


@pytest.fixture(autouse=True)
def access_logger_at_info() -> Iterator[None]:
    logger = logging.getLogger("govhub_gateway.access")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def line(log: AccessLog, number: int, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "request_id": f"req-{number}", "client": "000.00.00.H12/motcua",
        "service": "000.00.00.G01/dancu/congdan", "operation": "getCitizen", "status": 200,
        "duration_ms": 1.23456, "fault_origin": "", "exchange_id": f"gw-1-{number}"}
    log.write(**{**fields, **overrides})


def test_every_line_is_one_json_object_whatever_the_values_hold() -> None:
    stream = io.StringIO()
    log = AccessLog(stream=stream)
    awkward = 'a"b\\c\nd\x00 Sở Tài nguyên \u2028 𝄞'
    line(log, 1, client=awkward, operation="", status=504,
         fault_origin="provider-technical")
    # One line by the "\n" a collector splits on (str.splitlines would also split at
    # U+2028, which JSON leaves as it is).
    (text,) = stream.getvalue().removesuffix("\n").split("\n")
    entry = json.loads(text)
    assert entry["client"] == awkward
    assert (entry["status"], entry["duration_ms"], entry["fault_origin"]) == (
        504, 1.235, "provider-technical")
    assert (entry["exchange_id"], entry["operation"]) == ("gw-1-1", "")
    assert list(entry)[:4] == ["time", "level", "logger", "message"]  # as JsonFormatter


def test_lines_are_written_in_batches_on_the_loop_and_flushed_on_close(
        tmp_path: Path) -> None:
    stream = CountingStream()
    log = AccessLog(stream=stream)

    async def busy_gateway() -> tuple[int, int]:
        for number in range(100):
            line(log, number)
            await asyncio.sleep(0)  # exchanges complete over many loop turns
        pending = stream.getvalue().count("\n")
        await asyncio.sleep(FLUSH_SECONDS * 3)
        return pending, stream.getvalue().count("\n")

    pending, written = asyncio.run(busy_gateway())
    assert pending < 100  # not one write per exchange …
    assert written == 100  # … but none lost or delayed for long
    assert stream.writes < 10

    to_file = AccessLog(tmp_path / "access.log")

    async def stop_right_after() -> None:
        line(to_file, 1)
        to_file.close()  # the gateway stops before the batch is due

    asyncio.run(stop_right_after())
    lines = (tmp_path / "access.log").read_text().splitlines()
    assert [json.loads(text)["request_id"] for text in lines] == ["req-1"]


def test_a_broken_stream_loses_its_lines_with_a_warning_not_the_exchange(
        caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    stream.close()
    log = AccessLog(stream=stream)
    line(log, 1)  # no exception reaches the policy's complete()
    assert "1 access-log lines lost" in caplog.text
