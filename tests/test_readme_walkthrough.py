"""The README's hub walk-through, run as a reader runs it: `govhub demo` started from a fresh
directory, then the README's own shell blocks (read from the file, not copied here) run with
bash and curl. The allowed call returns today's market prices; the refused one is the 403
problem the README shows."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.support.demo_process import free_port, fresh_env
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parent.parent / "README.md"
DOCUMENTED_GATEWAY = "http://127.0.0.1:8080"


def readme_curl_blocks() -> list[str]:
    tokens = MarkdownIt("commonmark").parse(README.read_text(encoding="utf-8"))
    return [token.content for token in tokens
            if token.type == "fence" and token.info.strip() == "sh" and "curl" in token.content]


def run_block(block: str, cwd: Path, gateway: str) -> Any:
    # The demo moves the gateway to a free port when 8080 is taken; the console names it.
    script = block.replace(DOCUMENTED_GATEWAY, gateway)
    finished = subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True,
                              timeout=30, check=False)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def accepts(url: str) -> bool:
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
        return True


def test_the_readme_hub_calls_answer_as_the_readme_says(tmp_path: Path) -> None:
    allowed, refused = readme_curl_blocks()
    log = tmp_path / "demo.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "govhub", "demo", "--port", str(free_port())],
            cwd=tmp_path, env=fresh_env(tmp_path / "var"), stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        found = eventually(
            lambda: re.search(r"Integration hub gateway: (http://127\.0\.0\.1:\d+)/",
                              log.read_text()),
            timeout_seconds=120, what="the demo names its gateway")
        gateway = found.group(1)
        eventually(lambda: accepts(gateway), ignoring=(OSError,), timeout_seconds=60,
                   what="the gateway listens")

        # The gateway may still be fetching its first snapshot: ask until it has one.
        prices = eventually(lambda: run_block(allowed, tmp_path, gateway).get("prices"),
                            timeout_seconds=60, what="the allowed call returns prices")
        assert any(p["commodity"]["name"].startswith("Tôm") for p in prices)  # shrimp

        problem = run_block(refused, tmp_path, gateway)
        assert problem["status"] == 403
        assert problem["title"].startswith("Không có thỏa thuận chia sẻ dữ liệu còn hiệu lực")
        assert (problem["fault_origin"], problem["retryable"], problem["request_id"]) == (
            "client", False, "req-0002")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
