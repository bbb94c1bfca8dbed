"""The web process as deployed (ADR 0017): gunicorn's gthread workers serving the WSGI
application with persistent database connections, on the embedded SQLite database in WAL
mode; the ASGI application keeps connections per request."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.polling import eventually

REGISTER_CLIENT = r"""
import json, django; django.setup()
from govhub.identity.organisation.services import agencies
from govhub.identity.sso.services import clients
from govhub.identity.models import Client
from govhub.kernel.actors import SYSTEM
province = agencies.create_agency(actor=SYSTEM, kind="province", name="Tỉnh thử")
client, secret = clients.register_client(actor=SYSTEM, agency=province, name="máy",
    client_type=Client.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
print(json.dumps([client.client_id, secret]))
"""


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVHUB_", "DJANGO_"))}
    return {**env, "GOVHUB_DATA_DIR": str(data_dir), "GOVHUB_SECRET_KEY": "w" * 50,
            "GOVHUB_PII_KEY": "p" * 40, "GOVHUB_BEHIND_TLS_PROXY": "false",
            "DJANGO_SETTINGS_MODULE": "govhub.config.settings", **extra}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_files_open(pid: int, database: Path) -> int:
    """How many descriptors of the process name the SQLite database or its WAL."""
    count = 0
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        count += target.startswith(str(database))
    return count


@pytest.fixture(scope="module")
def web_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    data_dir = tmp_path_factory.mktemp("web")
    port = _free_port()
    env = _environment(data_dir, GOVHUB_WEB_THREADS="4",
                       GOVHUB_PUBLIC_URL=f"http://127.0.0.1:{port}")
    subprocess.run([sys.executable, "-m", "govhub", "migrate", "-v", "0"], env=env,
                   check=True, timeout=300)
    client_id, secret = json.loads(subprocess.run(
        [sys.executable, "-c", REGISTER_CLIENT], env=env, check=True, capture_output=True,
        text=True, timeout=120).stdout)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:govhub.config.web_server",
         "--bind", f"127.0.0.1:{port}"], env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        urllib.request.urlopen(f"{base}/health", timeout=2)  # noqa: S310 - loopback
        return True

    eventually(serving, timeout_seconds=60, ignoring=(OSError,),
               what="the web process answering /health")
    try:
        yield {"base": base, "pid": server.pid, "client_id": client_id, "secret": secret,
               "database": data_dir / "govhub.sqlite3"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _token(base: str, client_id: str, secret: str) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/o/token/", data=b"grant_type=client_credentials", headers={
            "Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode())
            .decode(), "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        answer: dict[str, object] = json.loads(response.read())
        return answer


def test_concurrent_token_requests_all_succeed_on_sqlite(web_process: dict) -> None:
    """Four threads writing tokens at once into SQLite (WAL, IMMEDIATE transactions, kept
    connections): every client gets its token, none meets 'database is locked'."""
    base, client_id, secret = (web_process[k] for k in ("base", "client_id", "secret"))
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: _token(base, client_id, secret), range(36)))
    tokens = {answer["access_token"] for answer in answers}
    assert len(tokens) == 36
    # Each was stored: introspection (RFC 7662) by the same client says it is active.
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/o/introspect/", data=urllib.parse.urlencode(
            {"token": next(iter(tokens))}).encode(), headers={
            "Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode())
            .decode()})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert json.loads(response.read())["active"] is True


def test_the_web_process_keeps_its_database_connections(web_process: dict) -> None:
    base = web_process["base"]
    for _ in range(8):
        with urllib.request.urlopen(f"{base}/health", timeout=10) as response:  # noqa: S310
            assert response.status == 200
    # After the answers, the worker still holds the database open (CONN_MAX_AGE), where a
    # connection per request would have closed it with each request.
    worker = int(Path(f"/proc/{web_process['pid']}/task/{web_process['pid']}/children")
                 .read_text().split()[0])
    assert _database_files_open(worker, web_process["database"]) >= 1


def _database_settings(module: str, tmp_path: Path) -> dict[str, object]:
    probe = (f"import json, {module}; from django.conf import settings; "
             "db = settings.DATABASES['default']; "
             "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))")
    result = subprocess.run([sys.executable, "-c", probe], env=_environment(tmp_path),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    max_age, health_checks = json.loads(result.stdout)
    return {"max_age": max_age, "health_checks": health_checks}


def test_wsgi_keeps_connections_and_asgi_does_not(tmp_path: Path) -> None:
    assert _database_settings("govhub.config.wsgi", tmp_path) == {
        "max_age": 600, "health_checks": True}
    # Django's documentation: no persistent connections under ASGI.
    assert _database_settings("govhub.config.asgi", tmp_path)["max_age"] == 0


def test_more_than_one_worker_needs_a_shared_cache(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import govhub.config.web_server"],
        env=_environment(tmp_path, GOVHUB_WEB_WORKERS="2"), capture_output=True, text=True,
        timeout=60, check=False)
    assert result.returncode != 0
    assert "GOVHUB_REDIS_URL" in result.stderr
