"""The sandbox upstreams behind the integration hub, and their commands:

    python -m govhub_sandbox.population  [--host 127.0.0.1] [--port 8093] [--faults JSON]
    python -m govhub_sandbox.land        [--port 8094] …
    python -m govhub_sandbox.agriculture [--port 8095] …
    python -m govhub_sandbox.weather     [--port 8096] …
    python -m govhub_sandbox.tourism     [--port 8097] …
    python -m govhub_sandbox.upstreams   all five in one process, on five ports

``--faults`` takes JSON (``'{"*": {"delay_seconds": 2}}'``) or ``@file.json``; for
``upstreams`` it is keyed by upstream name first (``{"land": {"getParcel": {...}}}``).
"""

import argparse
import asyncio
import contextlib
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from govhub_sandbox import agriculture, land, population, tourism, weather
from govhub_sandbox.serving import base_url, bind, is_loopback
from govhub_sandbox.upstream_kit import (
    FaultConfigError,
    UpstreamFault,
    faults_from_argument,
    faults_from_dict,
    json_argument,
)


@dataclass(frozen=True)
class Upstream:
    name: str
    default_port: int
    endpoints: tuple[str, ...]
    create_app: Callable[[dict[str, UpstreamFault]], web.Application]
    description: str
    banner: str  # printed once listening; {url} is the base URL


POPULATION = Upstream(
    "population", 8093, population.ENDPOINTS, population.create_app,
    "Sandbox national population database (SOAP 1.1 + X-Road 4.0 header).",
    "Population sandbox: SOAP {url}/, WSDL {url}/?wsdl")
LAND = Upstream(
    "land", 8094, land.ENDPOINTS, land.create_app,
    "Sandbox land registry of Cà Mau (REST).",
    "Land registry sandbox: {url}/parcels, OpenAPI {url}/openapi.json")
AGRICULTURE = Upstream(
    "agriculture", 8095, agriculture.ENDPOINTS, agriculture.create_app,
    "Sandbox farm market prices of Cà Mau (REST).",
    "Agriculture prices sandbox: {url}/prices, OpenAPI {url}/openapi.json")
WEATHER = Upstream(
    "weather", 8096, weather.ENDPOINTS, weather.create_app,
    "Sandbox hydro-meteorological station of Cà Mau: forecasts and disaster warnings (REST).",
    "Weather sandbox: {url}/forecast?commune_code=32002, {url}/alerts, "
    "OpenAPI {url}/openapi.json")
TOURISM = Upstream(
    "tourism", 8097, tourism.ENDPOINTS, tourism.create_app,
    "Sandbox festivals and tourism events of Cà Mau (REST).",
    "Tourism events sandbox: {url}/events, OpenAPI {url}/openapi.json")
ALL = (POPULATION, LAND, AGRICULTURE, WEATHER, TOURISM)

HOST_HELP = "address to listen on (default 127.0.0.1, loopback only)"
FAULTS_HELP = "faults at start: JSON or @file.json (see upstream_kit)"


def _warn_if_exposed(prog: str, host: str) -> None:
    if not is_loopback(host):
        print(f"{prog}: WARNING: listening on {host}, beyond this machine; anyone who reaches "
              "it can change its faults and read its request log.", file=sys.stderr)


def run_one(upstream: Upstream, argv: Sequence[str] | None = None) -> int:
    prog = f"python -m govhub_sandbox.{upstream.name}"
    parser = argparse.ArgumentParser(prog=prog, description=upstream.description)
    parser.add_argument("--host", default="127.0.0.1", help=HOST_HELP)
    parser.add_argument("--port", type=int, default=upstream.default_port,
                        help=f"port (default {upstream.default_port}; 0: any)")
    parser.add_argument("--faults", help=FAULTS_HELP)
    arguments = parser.parse_args(argv)
    try:
        faults = faults_from_argument(arguments.faults, upstream.endpoints)
        sock = bind(arguments.host, arguments.port)
    except (FaultConfigError, OSError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    _warn_if_exposed(prog, arguments.host)
    print(upstream.banner.format(url=base_url(sock)), flush=True)
    web.run_app(upstream.create_app(faults), sock=sock, print=None)
    return 0


def _faults_by_upstream(text: str | None) -> dict[str, dict[str, UpstreamFault]]:
    if not text:
        return {}
    by_name = {upstream.name: upstream for upstream in ALL}
    raw = json_argument(text)
    if not isinstance(raw, dict) or set(raw) - set(by_name):
        raise FaultConfigError(f"--faults: an object keyed by {sorted(by_name)}.")
    return {name: faults_from_dict(value, by_name[name].endpoints)
            for name, value in raw.items()}


async def _serve(apps: list[tuple[web.Application, socket.socket]]) -> None:
    runners = []
    try:
        for app, sock in apps:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.SockSite(runner, sock).start()
            runners.append(runner)
        await asyncio.Event().wait()  # until Ctrl-C or SIGTERM
    finally:
        for runner in runners:
            await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    prog = "python -m govhub_sandbox.upstreams"
    parser = argparse.ArgumentParser(prog=prog, description="The sandbox upstreams (population, "
                                     "land, agriculture, weather, tourism) in one process.")
    parser.add_argument("--host", default="127.0.0.1", help=HOST_HELP)
    for upstream in ALL:
        parser.add_argument(f"--{upstream.name}-port", type=int, default=upstream.default_port)
    parser.add_argument("--faults", help=FAULTS_HELP + ", keyed by upstream name first")
    arguments = parser.parse_args(argv)
    try:
        faults = _faults_by_upstream(arguments.faults)
        apps = [(upstream.create_app(faults.get(upstream.name, {})),
                 bind(arguments.host, getattr(arguments, f"{upstream.name}_port")))
                for upstream in ALL]
    except (FaultConfigError, OSError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    _warn_if_exposed(prog, arguments.host)
    for upstream, (_, sock) in zip(ALL, apps, strict=True):
        print(upstream.banner.format(url=base_url(sock)), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(apps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
