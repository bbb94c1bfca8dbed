"""`govhub demo` as a new user runs it: it seeds, serves the Vietnamese home page and the
admin, lets a printed demo account sign in, stops cleanly on Ctrl-C, and a second run
duplicates nothing. The README's hub walk-through runs against it as a reader runs it: the
README's own shell blocks (read from the file, not copied here) with bash and curl."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.support.demo_process import (
    free_port,
    fresh_env,
    wait_until_answers,
    wait_until_demo_ports_are_free,
)
from tests.support.polling import eventually

# The demo's real processes (web, worker, gateway, sandboxes) started as a user starts them.
pytestmark = pytest.mark.e2e


def _counts(database: Path) -> tuple[int, int, int]:
    with sqlite3.connect(database) as connection:
        return tuple(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
                     for table in ("identity_agency", "identity_account",
                                   "identity_roleassignment"))  # type: ignore[return-value]


def _sign_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/admin/login/")
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token, "next": "/admin/"}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own http:// demo URL
        f"{base}/admin/login/?next=/admin/", data=data,
        headers={"Referer": f"{base}/admin/login/"})
    with opener.open(request) as response:
        return response.read().decode()


def test_demo_serves_signs_in_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub", "demo", "--port", str(port)],
        env=fresh_env(tmp_path / "var"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    output = ""
    try:
        wait_until_answers(f"{base}/health", process)
        with urllib.request.urlopen(f"{base}/") as response:  # noqa: S310
            home = response.read().decode()
        assert '<html lang="vi">' in home
        assert "Tỉnh Cà Mau" in home
        assert "Đăng nhập" in home  # the Vietnamese UI, not the English source strings
        with urllib.request.urlopen(f"{base}/admin/login/") as response:  # noqa: S310
            assert response.status == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            raise AssertionError("govhub demo did not stop within 30 s of Ctrl-C") from None
        wait_until_demo_ports_are_free()

    assert "quantri.anxuyen" in output
    password = re.search(r"quantri\.anxuyen\s+(\S+)", output)
    assert password is not None
    with pytest.raises(ConnectionRefusedError):  # every process is gone: nothing listens
        socket.create_connection(("127.0.0.1", port), timeout=1)

    # The printed login works (the admin greets the signed-in official by name).
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub", "demo", "--port", str(port)],
        env=fresh_env(tmp_path / "var"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/health", process)
        page = _sign_in(f"http://127.0.0.1:{port}", "quantri.anxuyen", password.group(1))
        assert "Lê Văn An" in page or "quantri.anxuyen" in page
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
        wait_until_demo_ports_are_free()


def test_second_seed_duplicates_nothing(tmp_path: Path) -> None:
    env = fresh_env(tmp_path / "var")
    command = [sys.executable, "-m", "govhub", "demo", "--seed-only"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                           check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    database = tmp_path / "var" / "govhub.sqlite3"
    counts = _counts(database)
    assert counts[0] == 1 + 64 + 8  # province, its communes and wards, the demo agencies
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert second.returncode == 0, second.stderr
    assert _counts(database) == counts
    # The same passwords are printed again, so the README's instructions keep working.
    logins = re.findall(r"^\s+(\S+)\s+(\S+)\s", first.stdout, re.MULTILINE)
    assert logins
    assert logins == re.findall(r"^\s+(\S+)\s+(\S+)\s", second.stdout, re.MULTILINE)


# --- The README's hub walk-through, run as a reader runs it ---------------------------------
# In this module so that it never runs beside the other demo: two demos at once would race
# for the same fallback ports.
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
            timeout_seconds=180, what="the demo names its gateway")
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
        wait_until_demo_ports_are_free()
