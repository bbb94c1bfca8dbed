"""The outbound HTTP client against a real HTTP server on 127.0.0.1 that can fail on purpose:
retries of idempotent requests only, timeouts, the request id and the User-Agent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from govhub.kernel import context, outbound_http


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FlakyServer:
    """Answers ``failures`` times with ``status`` (or stalls ``stall_seconds`` first), then
    200; records every request it read."""

    url: str = ""
    status: int = 503
    failures: int = 0
    stall_seconds: float = 0.0
    retry_after: str | None = None
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        handler.rfile.read(length)
        with self.lock:
            self.seen.append(Seen(handler.command, handler.path, dict(handler.headers)))
            failing = len(self.seen) <= self.failures
        if failing and self.stall_seconds:
            time.sleep(self.stall_seconds)  # deliberate: the server is slow, the test waits not
        status = self.status if failing else 200
        body = b'{"ok": true}' if status == 200 else b'{"title": "busy"}'
        handler.send_response(status)
        if failing and self.retry_after is not None:
            handler.send_header("Retry-After", self.retry_after)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def server() -> Iterator[FlakyServer]:
    state = FlakyServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.answer(self)

        def do_POST(self) -> None:
            state.answer(self)

        def do_PUT(self) -> None:
            state.answer(self)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def quick_backoff(settings: Any) -> None:
    settings.GOVHUB_OUTBOUND_HTTP = {**settings.GOVHUB_OUTBOUND_HTTP, "RETRIES": 2,
                                     "BACKOFF_FACTOR_SECONDS": 0.01,
                                     "BACKOFF_JITTER_SECONDS": 0.01}


def test_a_flaky_read_is_retried_until_it_succeeds(server: FlakyServer) -> None:
    server.failures = 2
    with outbound_http.session() as http:
        answer = http.get(f"{server.url}/prices")
    assert answer.status_code == 200
    assert [s.method for s in server.seen] == ["GET", "GET", "GET"]
    # One call, one id, however many attempts it took.
    assert len({s.headers["X-Request-Id"] for s in server.seen}) == 1


def test_retries_stop_at_the_limit_and_the_last_answer_comes_back(server: FlakyServer) -> None:
    server.failures = 10
    with outbound_http.session(retries=1) as http:
        answer = http.get(f"{server.url}/prices")
    assert answer.status_code == 503
    assert len(server.seen) == 2
    with pytest.raises(outbound_http.HTTPError):
        answer.raise_for_status()


def test_an_idempotent_put_is_retried(server: FlakyServer) -> None:
    server.failures = 1
    with outbound_http.session() as http:
        assert http.put(f"{server.url}/devices/1", json={"on": True}).status_code == 200
    assert [s.method for s in server.seen] == ["PUT", "PUT"]


def test_a_post_is_never_repeated(server: FlakyServer) -> None:
    server.failures = 1
    with outbound_http.session() as http:
        answer = http.post(f"{server.url}/sms/send", json={"phone": "84912345678"})
    assert answer.status_code == 503
    assert [s.method for s in server.seen] == ["POST"]


def test_a_500_is_a_fault_not_a_pause(server: FlakyServer) -> None:
    server.status, server.failures = 500, 1
    with outbound_http.session() as http:
        assert http.get(f"{server.url}/prices").status_code == 500
    assert len(server.seen) == 1


def test_retry_after_is_honoured(server: FlakyServer) -> None:
    server.status, server.failures, server.retry_after = 429, 1, "1"
    started = time.monotonic()
    with outbound_http.session() as http:
        assert http.get(f"{server.url}/prices").status_code == 200
    assert time.monotonic() - started >= 0.9
    assert len(server.seen) == 2


def test_a_slow_answer_times_out(server: FlakyServer) -> None:
    server.failures, server.stall_seconds = 1, 2.0
    started = time.monotonic()
    with outbound_http.session(read_timeout_seconds=0.3, retries=0) as http, \
            pytest.raises(outbound_http.Timeout):
        http.get(f"{server.url}/prices")
    assert time.monotonic() - started < 1.5


def test_the_read_timeout_comes_from_settings(server: FlakyServer, settings: Any) -> None:
    settings.GOVHUB_OUTBOUND_HTTP = {**settings.GOVHUB_OUTBOUND_HTTP,
                                     "READ_TIMEOUT_SECONDS": 0.3, "RETRIES": 0}
    server.failures, server.stall_seconds = 1, 2.0
    with outbound_http.session() as http, pytest.raises(outbound_http.Timeout):
        http.get(f"{server.url}/prices")


def test_a_read_that_timed_out_is_retried_but_a_post_is_not(server: FlakyServer) -> None:
    server.failures, server.stall_seconds = 1, 1.0
    with outbound_http.session(read_timeout_seconds=0.3) as http:
        assert http.get(f"{server.url}/prices").status_code == 200
    assert len(server.seen) == 2

    server.seen.clear()
    server.failures = 1
    with outbound_http.session(read_timeout_seconds=0.3) as http, \
            pytest.raises(outbound_http.Timeout):
        http.post(f"{server.url}/sms/send", data=b"{}")
    assert len(server.seen) == 1  # it may have been sent: not sent again


def test_a_refused_connection_is_an_outbound_error() -> None:
    with outbound_http.session(retries=1) as http, \
            pytest.raises(outbound_http.OutboundHttpError):
        http.get("http://127.0.0.1:9/unreachable")


def test_the_current_requests_id_goes_along(server: FlakyServer) -> None:
    token = context.current.set(context.RequestContext("req-1234", "127.0.0.1", "test"))
    try:
        with outbound_http.session() as http:
            http.get(f"{server.url}/prices")
    finally:
        context.current.reset(token)
    with outbound_http.session() as http:
        http.get(f"{server.url}/prices")
    first, second = server.seen
    assert first.headers["X-Request-Id"] == "req-1234"
    assert second.headers["X-Request-Id"] not in ("", "req-1234")


def test_govhub_names_itself(server: FlakyServer) -> None:
    with outbound_http.session() as http:
        http.get(f"{server.url}/prices")
    assert server.seen[0].headers["User-Agent"].startswith("govhub/")


def test_an_oauth_client_session_follows_the_same_rules(server: FlakyServer) -> None:
    server.failures = 1
    with outbound_http.OAuth2ClientSession(client_id="app") as http:
        assert http.get(f"{server.url}/jwks.json", withhold_token=True).status_code == 200
    assert len(server.seen) == 2
    assert server.seen[0].headers["User-Agent"].startswith("govhub/")
    assert "X-Request-Id" in server.seen[0].headers
