"""Single sign-on throughput on one core: client-credentials tokens per second and
ID-token verifications per second, printed beside a trivial Django view served by the same
server in the same run, so the ratios mean something on any machine.

    python benchmarks/oidc_tokens.py [--seconds 8] [--concurrency 16]

The server (uvicorn, one process) is pinned to CPU 0 and the load generator to CPU 1 when
the machine has two; the verification loop runs pinned to CPU 0 as well. It uses the
embedded defaults (SQLite) unless GOVHUB_DATABASE_URL is set. Everything listens on
127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

SETUP = r"""
import json, urllib.parse, hashlib, base64
import django; django.setup()
from django.test import Client as Browser
from govhub.identity.organisation.services import agencies
from govhub.identity.people.services import accounts
from govhub.identity.sso.services import clients
from govhub.identity.models import Client
from govhub.kernel.actors import SYSTEM
province = agencies.create_agency(actor=SYSTEM, kind="province", name="Tỉnh thử")
machine, secret = clients.register_client(actor=SYSTEM, agency=province, name="bench",
    client_type=Client.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
app, _ = clients.register_client(actor=SYSTEM, agency=province, name="bench-rp",
    client_type=Client.CLIENT_PUBLIC, authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
    redirect_uris="https://rp.example/cb", skip_authorization=True)
official = accounts.create_account(actor=SYSTEM, username="bench", full_name="Bench",
    agency=province, kind="official")
browser = Browser(SERVER_NAME="127.0.0.1")
browser.force_login(official)
verifier = "v" * 50
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
location = browser.get("/o/authorize/?" + urllib.parse.urlencode({"client_id": app.client_id,
    "response_type": "code", "scope": "openid profile", "redirect_uri": "https://rp.example/cb",
    "state": "s", "nonce": "n", "code_challenge": challenge,
    "code_challenge_method": "S256"}))["Location"]
code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
tokens = browser.post("/o/token/", {"grant_type": "authorization_code", "code": code,
    "redirect_uri": "https://rp.example/cb", "client_id": app.client_id,
    "code_verifier": verifier}).json()
print(json.dumps({"client_id": machine.client_id, "secret": secret,
                  "rp_client_id": app.client_id, "id_token": tokens["id_token"]}))
"""

VERIFY = r"""
import json, sys, time
from jwcrypto import jwk, jwt
data = json.loads(sys.stdin.read())
keys = jwk.JWKSet.from_json(data["jwks"])
seconds = float(data["seconds"])
count, deadline = 0, time.perf_counter() + seconds
started = time.perf_counter()
while time.perf_counter() < deadline:
    token = jwt.JWT(jwt=data["id_token"], key=keys, expected_type="JWS",
                    check_claims={"iss": data["issuer"], "aud": data["aud"]})
    json.loads(token.claims)
    count += 1
print(count / (time.perf_counter() - started))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, command: list[str]) -> list[str]:
    if os.cpu_count() and os.cpu_count() >= 2 and sys.platform.startswith("linux"):
        return ["taskset", "-c", str(cpu), *command]
    return command


async def load(url: str, seconds: float, concurrency: int, *, form: dict | None = None,
               auth: dict[str, str] | None = None) -> tuple[float, int]:
    """Requests per second over `seconds` with `concurrency` connections; fails loudly on
    any non-200 answer so a broken endpoint cannot look fast."""
    done = errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                if form is None:
                    response = await session.get(url)
                else:
                    response = await session.post(url, data=form, headers=auth)
                async with response:
                    await response.read()
                    if response.status == 200:
                        done += 1
                    else:
                        errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="govhub-bench-") as data_dir:
        env = {**os.environ, "GOVHUB_DATA_DIR": data_dir, "GOVHUB_SECRET_KEY": "b" * 50,
               "GOVHUB_PII_KEY": "p" * 40, "GOVHUB_BEHIND_TLS_PROXY": "false",
               "GOVHUB_PUBLIC_URL": base, "GOVHUB_API_RATE_ANONYMOUS": "100000000/min",
               "DJANGO_SETTINGS_MODULE": "govhub.config.settings"}
        python = sys.executable
        subprocess.run([python, "-m", "govhub", "migrate", "-v", "0"], env=env, check=True)
        setup = json.loads(subprocess.run([python, "-c", SETUP], env=env, check=True,
                                          capture_output=True, text=True).stdout)
        server = subprocess.Popen(pinned(0, [
            python, "-m", "uvicorn", "govhub.config.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--lifespan", "off", "--no-access-log",
            "--log-level", "warning"]), env=env)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/health", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.1)
            jwks = urllib.request.urlopen(f"{base}/o/.well-known/jwks.json").read()  # noqa: S310
            basic = base64.b64encode(f"{setup['client_id']}:{setup['secret']}".encode())
            auth = {"Authorization": "Basic " + basic.decode()}
            results = {}
            for name, url, form in (
                ("trivial view (GET /health)", f"{base}/health", None),
                ("client-credentials token (POST /o/token/)", f"{base}/o/token/",
                 {"grant_type": "client_credentials"}),
            ):
                asyncio.run(load(url, 1.0, options.concurrency, form=form, auth=auth))  # warm
                rate, errors = asyncio.run(load(url, options.seconds, options.concurrency,
                                                form=form, auth=auth))
                if errors:
                    raise SystemExit(f"{name}: {errors} requests failed")
                results[name] = rate
        finally:
            server.terminate()
            server.wait(timeout=10)
        verify = subprocess.run(pinned(0, [python, "-c", VERIFY]), check=True, text=True,
                                capture_output=True, input=json.dumps({
                                    "jwks": jwks.decode(), "id_token": setup["id_token"],
                                    "issuer": base, "aud": setup["rp_client_id"],
                                    "seconds": options.seconds}))
        results["ID-token verification (RS256, jwcrypto)"] = float(verify.stdout)

    baseline = results["trivial view (GET /health)"]
    print(f"govhub single sign-on, one core, concurrency {options.concurrency}, "
          f"{options.seconds:g} s each")
    for name, rate in results.items():
        print(f"  {name:<44} {rate:9.0f} /s   {rate / baseline:6.2f} × trivial view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
