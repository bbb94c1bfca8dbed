"""The integration hub's gateway with the realistic policy set on.

    python benchmarks/gateway_hub.py [--seconds 3] [--rounds 3] [--profile]

One small GET, in the same run: directly to the upstream, through nginx ``proxy_pass``,
through the gateway's engine with a trivial forwarding policy ("gateway-engine"), and
through the gateway with the real ``GatewayPolicy`` built from a Snapshot ("gateway-full"):
API-key authentication (a ``ghk_`` key), the four X-Road identification headers with a
fresh ``X-Road-Id`` per request (wrk Lua script), an approved grant for the operation, a
quota too large to trigger, the evidence log (a real ``EvidenceSpool`` with its 200 ms group
fsync), Prometheus metrics (``GatewayMetrics``) and the gateway's JSON access log
(``AccessLog``, one line per exchange) to a file. Proxies and upstream share CPU 0, wrk runs on CPU 1
(``benchmarks/gateway_engine.py`` has the plumbing).

Targets (ADR 0006): gateway-full throughput ≥ 30% of nginx's, and at most 0.5 ms added p50
at concurrency 1 against the direct call. Each is printed with PASS/FAIL; the exit code is 0
whatever they say (this is a measurement), but the run stops with an error if any answer
was not 200 or the evidence log missed exchanges: a benchmark that measures refusals is a
lie. ``--profile`` runs gateway-full under cProfile and prints where its time goes (the
throughput figures of that run are then lowered by the profiler).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import http.client
import logging
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``src`` importable
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from benchmarks.gateway_engine import (  # noqa: E402 - after the path set-up above
    BODY,
    WORKDIR_ENV,
    forwarding_policy,
    measure,
    print_table,
    stack,
)

from govhub_contracts.snapshot import (  # noqa: E402
    ApiKey,
    DataClass,
    Grant,
    Member,
    Operation,
    Quota,
    Service,
    Snapshot,
    System,
)
from govhub_gateway.evidence.access_log import FLUSH_SECONDS, AccessLog  # noqa: E402
from govhub_gateway.evidence.metrics import GatewayMetrics  # noqa: E402
from govhub_gateway.evidence.spool import SEGMENT_PATTERN, EvidenceSpool  # noqa: E402
from govhub_gateway.policy.credentials import TokenVerifier  # noqa: E402
from govhub_gateway.policy.gateway_policy import GatewayPolicy  # noqa: E402

PROVIDER = "000.00.00.H12"  # Sở Tài nguyên và Môi trường
CONSUMER_MEMBER = "000.00.00.H12.05"  # Trung tâm Phục vụ hành chính công
CONSUMER = f"{CONSUMER_MEMBER}/onegate"
KEY_ID = "bench1"
KEY_SECRET = "s" * 43  # the length of a real key's secret (32 random bytes, base64url)
API_KEY = f"ghk_{KEY_ID}_{KEY_SECRET}"
PATH = f"/r1/{PROVIDER}/land/parcels/parcels/79-123-4567"
HEADERS = {"X-Road-Client": CONSUMER, "X-Road-UserId": "officer-17",
           "X-Road-Issue": "1.004227.000.00.00.H12", "Authorization": f"Bearer {API_KEY}"}
TARGET_THROUGHPUT = 0.30  # of nginx's
TARGET_ADDED_P50_MS = 0.5  # at concurrency 1, against the direct call

# wrk calls request() for every request; a fresh X-Road-Id each time (the exchange contract's
# request id and idempotency key), unique across runs through a per-run random prefix. The
# other headers are the same on every request. The same script drives every target.
LUA = """
-- headers --
local counter = 0
local prefix = "b"
function init(args)
  math.randomseed(os.time())
  prefix = string.format("b%x-%x-", os.time(), math.random(0, 0xffffff))
end
function request()
  counter = counter + 1
  wrk.headers["X-Road-Id"] = prefix .. counter
  return wrk.format(nil, nil)
end
""".replace("-- headers --", "\n".join(
    f'wrk.headers["{name}"] = "{value}"' for name, value in HEADERS.items()))


def hub_snapshot(upstream_host: str, upstream_port: int, now: datetime | None = None
                 ) -> Snapshot:
    """A province with one provider service, one consumer system holding an API key, an
    approved agreement for the one operation, and a generous quota."""
    now = now or datetime.now(UTC)
    service = Service(
        member=PROVIDER, system="land", code="parcels", name="Thửa đất",
        endpoints=[f"http://{upstream_host}:{upstream_port}/api/"], timeout_seconds=10,
        operations=[Operation(code="getParcel", method="GET", path="/parcels/{parcel_id}",
                              data_class=DataClass.PERSONAL),
                    Operation(code="listParcels", method="GET", path="/parcels")])
    return Snapshot(
        version=1, generated_at=now,
        members=[Member(code=PROVIDER, name="Sở Tài nguyên và Môi trường"),
                 Member(code=CONSUMER_MEMBER, name="Trung tâm Phục vụ hành chính công")],
        systems=[System(member=PROVIDER, code="land", name="Cơ sở dữ liệu đất đai"),
                 System(member=CONSUMER_MEMBER, code="onegate", name="Một cửa điện tử")],
        services=[service],
        api_keys=[ApiKey(key_id=KEY_ID, client=CONSUMER,
                         secret_sha256=hashlib.sha256(KEY_SECRET.encode()).hexdigest())],
        grants=[Grant(agreement_id="TT-2026-001", client=CONSUMER, service=service.service_id,
                      operations=["getParcel"], valid_from=now - timedelta(days=1),
                      valid_until=now + timedelta(days=30))],
        quotas=[Quota(client=CONSUMER, requests=1_000_000_000, per_seconds=60)],
    ).sealed()


class HubPolicy(GatewayPolicy):
    """``GatewayPolicy`` unchanged, plus what the runner does around it in production: the
    spool's group-commit task, and closing the spool on shutdown."""

    spool: EvidenceSpool
    flusher: asyncio.Task[None] | None = None

    def close(self) -> None:
        if self.flusher is not None:
            self.flusher.cancel()
        self.spool.close()
        self.access_log.close()


def configure_logging(workdir: Path) -> AccessLog:
    """As the runner does, but to files: the JSON log (root at INFO, which also enables the
    access log) to ``gateway.log``, one JSON access line per exchange to ``access.log``."""
    from govhub_gateway.runner import JsonFormatter

    handler = logging.FileHandler(workdir / "gateway.log")
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    return AccessLog(workdir / "access.log")


def hub_policy(upstream_host: str, upstream_port: int) -> HubPolicy:
    """The gateway-full policy factory (run by ``start_gateway`` in the gateway process,
    inside its event loop; outside one the spool simply has no group-commit task)."""
    workdir = Path(os.environ.get(WORKDIR_ENV) or tempfile.mkdtemp(prefix="govhub-hub-"))
    access_log = configure_logging(workdir)
    spool = EvidenceSpool(workdir / "spool", "gw-bench")
    policy = HubPolicy(gateway_id="gw-bench", evidence=spool, metrics=GatewayMetrics(),
                       tokens=TokenVerifier(), access_log=access_log)
    policy.spool = spool
    policy.update_snapshot(hub_snapshot(upstream_host, upstream_port))
    try:
        policy.flusher = asyncio.get_running_loop().create_task(spool.run_flusher())
    except RuntimeError:  # no running loop: a unit test calling decide() directly
        policy.flusher = None
    else:
        gc.freeze()  # as Gateway.start does once the policy is built
    return policy


# -- checks around the measurement --------------------------------------------------------------
class InvalidMeasurementError(RuntimeError):
    """The run did not measure what it claims (a refusal, a missing record): no numbers."""


def get(port: int, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", PATH, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def preflight(ports: dict[str, int]) -> None:
    """Every target answers the benchmark's request with the upstream's 200, and the full
    policy really is on: the same request without its key is refused with 401."""
    headers = {**HEADERS, "X-Road-Id": "preflight-1"}
    for name, port in ports.items():
        status, body = get(port, headers)
        if status != 200 or body != BODY.encode():
            raise InvalidMeasurementError(f"{name} answered {status}: {body[:300]!r}")
    status, body = get(ports["gateway-full"], {
        key: value for key, value in headers.items() if key != "Authorization"})
    if status != 401:
        raise InvalidMeasurementError(f"gateway-full let a call without its key through: {status}")


def count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as stream:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    return total


def check_records(workdir: Path, measured: int) -> tuple[int, int]:
    """Evidence records and access-log lines written by gateway-full; at least one of each
    per request wrk counted (wrk does not count the last in-flight answers, the gateway
    does, so there may be a few more)."""
    spool_dir = workdir / "spool"
    segments = [path for path in spool_dir.iterdir() if SEGMENT_PATTERN.match(path.name)]
    evidence = count_lines(segments)
    access = count_lines([workdir / "access.log"])
    if evidence < measured or access < measured:
        raise InvalidMeasurementError(
            f"{evidence} evidence records and {access} access-log lines for {measured} requests")
    return evidence, access


# -- the run -------------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: dict[tuple[str, int], dict[str, Any]]) -> None:
    print_table(results)
    print()
    for connections in (1, 50):
        nginx = results["nginx", connections]["rps"]
        for name in ("gateway-full", "gateway-engine"):
            ratio = results[name, connections]["rps"] / nginx
            mark = f"  (target ≥ {TARGET_THROUGHPUT:.2f})  {verdict(ratio >= TARGET_THROUGHPUT)}" \
                if name == "gateway-full" else "  (for comparison)"
            print(f"{name} ÷ nginx throughput, concurrency {connections:>2}: {ratio:.2f}{mark}")
    direct = results["direct", 1]["p50"]
    for name in ("gateway-full", "gateway-engine", "nginx"):
        added = results[name, 1]["p50"] - direct
        mark = f"  (target ≤ {TARGET_ADDED_P50_MS} ms)  {verdict(added <= TARGET_ADDED_P50_MS)}" \
            if name == "gateway-full" else "  (for comparison)"
        print(f"added p50 at concurrency 1, {name} vs direct: {added:.3f} ms{mark}")
    cpu_report(results)


def cpu_report(results: dict[tuple[str, int], dict[str, Any]]) -> None:
    """What the CPU time per request says, independent of a neighbour's load: the policy
    set's own cost, and the throughput ratio a dedicated idle core would give (the proxy
    and the upstream share that core, so each request costs both their CPU times)."""
    cpu = {name: results[name, 50]["cpu_us"]
           for name in ("direct", "nginx", "gateway-engine", "gateway-full")}
    print(f"\nCPU per request at concurrency 50: the policy set adds "
          f"{cpu['gateway-full'] - cpu['gateway-engine']:.1f} µs to the engine's "
          f"{cpu['gateway-engine']:.1f} µs (nginx proxy {cpu['nginx']:.1f} µs, upstream "
          f"{cpu['direct']:.1f} µs)")
    for name in ("gateway-full", "gateway-engine"):
        estimate = (cpu["direct"] + cpu["nginx"]) / (cpu["direct"] + cpu[name])
        print(f"estimated {name} ÷ nginx throughput on an idle core, from CPU per request: "
              f"{estimate:.2f}")


def print_profile(path: Path, lines: int = 30) -> None:
    print("\ngateway-full under cProfile, by own time (tottime):")
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(lines)
    print("by cumulative time:")
    stats.sort_stats("cumulative").print_stats(lines)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    """Exit 0 whatever the targets say; 1, with the reason, when the run measured nothing
    valid (a non-200 answer, a missing record, a server that did not start)."""
    try:
        run(parse_arguments())
    except (InvalidMeasurementError, RuntimeError) as error:
        print(f"\nNO RESULT, the measurement is invalid: {error}", file=sys.stderr)
        sys.exit(1)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3,
                        help="length of each measured wrk run, whole seconds (default 3)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds; the best is kept (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="run gateway-full under cProfile and print where the time goes")
    return parser.parse_args()


def run(args: argparse.Namespace) -> None:
    print(f"govhub gateway benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, load average {load()} (1/5/15 min)")
    gateways = {"gateway-engine": forwarding_policy, "gateway-full": hub_policy}
    with tempfile.TemporaryDirectory(prefix="govhub-hub-") as tmp:
        profile = {"gateway-full": Path(tmp) / "gateway-full.prof"} if args.profile else None
        script = Path(tmp) / "xroad-headers.lua"
        script.write_text(LUA)
        with stack(gateways, profile=profile) as running:
            preflight(running.ports)
            results = measure(running, args.seconds, path=PATH, script=script,
                              rounds=args.rounds)
            measured = sum(int(results["gateway-full", c]["requests"]) for c in (1, 50))
            time.sleep(3 * FLUSH_SECONDS)  # the access log writes its lines in batches
            evidence, access = check_records(running.workdir / "gateway-full", measured)
        print(f"load average after the run: {load()}; every answer was 200; gateway-full "
              f"wrote {evidence} evidence records and {access} access-log lines for "
              f"{measured} measured requests (plus warm-up)\n")
        print(f"best of {args.rounds} interleaved rounds of {args.seconds:g} s per target "
              f"and concurrency (proxies and upstream on CPU 0, wrk on CPU 1):")
        report(results)
        if profile:
            print_profile(profile["gateway-full"])


if __name__ == "__main__":
    main()
