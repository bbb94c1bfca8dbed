"""The gateway's HTTP engine against nginx (issue 4): throughput and latency of a forwarded
request, beside nginx as a reverse proxy to the same upstream, measured in the same run.

    python benchmarks/gateway_engine.py [--seconds 3]

The upstream is nginx answering `return 200` from memory. The proxies (nginx `proxy_pass`
with upstream keep-alive, and the gateway with a trivial forwarding policy) and the
upstream are pinned to CPU 0; wrk runs pinned to CPU 1. Targets from the issue: gateway
throughput ≥ 30% of nginx's, added p50 latency ≤ 0.5 ms at concurrency 1.

The gateway side is pluggable: ``start_gateway(policy_factory)`` runs the engine in its own
process with any importable ``policy_factory(upstream_host, upstream_port) -> Policy``, so
the same benchmark can be run with the full policy set. Everything listens on 127.0.0.1 and
stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
BODY = "hello from the upstream, a small JSON-sized answer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def pinned(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if os.cpu_count() and os.cpu_count() > 1 else []  # type: ignore[operator]


def start_nginx(workdir: Path, name: str, server_block: str) -> subprocess.Popen[bytes]:
    prefix = workdir / name
    prefix.mkdir()
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""
daemon off; worker_processes 1; master_process off;
error_log {prefix}/error.log warn; pid {prefix}/nginx.pid;
events {{ worker_connections 4096; }}
http {{ access_log off; {temp} keepalive_requests 1000000; {server_block} }}
""")
    return subprocess.Popen([*pinned(0), NGINX, "-p", str(prefix), "-c", "nginx.conf"])


# -- the gateway side ------------------------------------------------------------------------
class ForwardEverything:
    """The trivial policy: every request to the one upstream, nothing else."""

    def __init__(self, host: str, port: int) -> None:
        from govhub_gateway.exchange import Forward
        self.forward = Forward
        self.host, self.port = host, port

    def decide(self, head: Any) -> Any:
        return self.forward(scheme="http", host=self.host, port=self.port, target=head.target,
                            timeout_seconds=10, max_request_bytes=1 << 20,
                            max_response_bytes=1 << 20)

    def decide_with_body(self, head: Any, body: bytes) -> Any:
        return self.decide(head)

    def complete(self, head: Any, exchange: Any, outcome: Any) -> None:
        pass


def forwarding_policy(host: str, port: int) -> ForwardEverything:
    return ForwardEverything(host, port)


def start_gateway(policy_factory: Callable[[str, int], Any], upstream_port: int,
                  cpu: int = 0) -> tuple[subprocess.Popen[bytes], int]:
    """Run the engine in its own process (pinned to ``cpu``) with
    ``policy_factory("127.0.0.1", upstream_port)``; returns the process and its port.
    ``policy_factory`` must be importable at module level (it is named, not pickled)."""
    port = free_port()
    spec = f"{policy_factory.__module__}:{policy_factory.__qualname__}"
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}")
    process = subprocess.Popen([*pinned(cpu), sys.executable, __file__, "--serve", spec,
                                str(port), str(upstream_port)], env=env)
    wait_listening(port)
    return process, port


def serve(spec: str, port: int, upstream_port: int) -> None:
    import asyncio

    import uvloop

    from govhub_gateway.server import start_server

    module, _, name = spec.partition(":")
    if module == "__main__":
        module = "benchmarks.gateway_engine"
    factory = getattr(importlib.import_module(module), name)

    async def main() -> None:
        await start_server(factory("127.0.0.1", upstream_port), host="127.0.0.1", port=port)
        await asyncio.Event().wait()

    uvloop.run(main())


# -- measuring ---------------------------------------------------------------------------------
def parse_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(port: int, connections: int, seconds: float) -> dict[str, float]:
    output = subprocess.run(
        [*pinned(1), WRK, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency",
         f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        p50 = parse_ms(re.search(r"50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
        p99 = parse_ms(re.search(r"99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError) as error:
        raise RuntimeError(f"cannot read wrk's output for port {port}:\n{output}") from error
    if re.search(r"Non-2xx or 3xx responses|Socket errors", output):
        raise RuntimeError(f"errors while measuring port {port}:\n{output}")
    return {"rps": rps, "p50": p50, "p99": p99}


@contextlib.contextmanager
def stack(policy_factory: Callable[[str, int], Any]) -> Iterator[dict[str, int]]:
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="govhub-bench-") as tmp:
        try:
            upstream, proxy = free_port(), free_port()
            processes.append(start_nginx(Path(tmp), "upstream", f"""
server {{ listen 127.0.0.1:{upstream}; location / {{ return 200 "{BODY}"; }} }}"""))
            processes.append(start_nginx(Path(tmp), "proxy", f"""
upstream up {{ server 127.0.0.1:{upstream}; keepalive 64; }}
server {{ listen 127.0.0.1:{proxy}; location / {{ proxy_pass http://up;
  proxy_http_version 1.1; proxy_set_header Connection ""; }} }}"""))
            wait_listening(upstream)
            wait_listening(proxy)
            gateway_process, gateway = start_gateway(policy_factory, upstream)
            processes.append(gateway_process)
            yield {"direct": upstream, "nginx": proxy, "gateway": gateway}
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--serve", nargs=3, metavar=("SPEC", "PORT", "UPSTREAM_PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]))
        return
    results: dict[tuple[str, int], dict[str, float]] = {}
    with stack(forwarding_policy) as ports:
        for name, port in ports.items():
            wrk(port, 10, 1)  # warm-up: connections, pools, caches
            for connections in (1, 50):
                results[name, connections] = wrk(port, connections, args.seconds)
    print(f"{'target':<8} {'conc':>4} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for (name, connections), r in results.items():
        print(f"{name:<8} {connections:>4} {r['rps']:>10.0f} {r['p50']:>8.3f} {r['p99']:>8.3f}")
    for connections in (1, 50):
        ratio = results["gateway", connections]["rps"] / results["nginx", connections]["rps"]
        print(f"gateway/nginx throughput at concurrency {connections}: {ratio:.0%}"
              f"  (target ≥ 30%)")
    added = results["gateway", 1]["p50"] - results["direct", 1]["p50"]
    added_nginx = results["nginx", 1]["p50"] - results["direct", 1]["p50"]
    print(f"added p50 vs direct at concurrency 1: gateway {added:.3f} ms, nginx "
          f"{added_nginx:.3f} ms  (target ≤ 0.5 ms)")


if __name__ == "__main__":
    main()
