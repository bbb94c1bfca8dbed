"""The gateway's HTTP engine against nginx: throughput and latency of a forwarded
request, beside nginx as a reverse proxy to the same upstream, measured in the same run.

    python benchmarks/gateway_engine.py [--seconds 3]

The upstream is nginx answering `return 200` from memory. The proxies (nginx `proxy_pass`
with upstream keep-alive, and the gateway with a trivial forwarding policy) and the
upstream are pinned to CPU 0; wrk runs pinned to CPU 1. Targets (ADR 0006): gateway
throughput ≥ 30% of nginx's, added p50 latency ≤ 0.5 ms at concurrency 1.

The gateway side is pluggable: ``start_gateway(policy_factory)`` runs the engine in its own
process with any importable ``policy_factory(upstream_host, upstream_port) -> Policy``, so
the same benchmark can be run with the full policy set (``benchmarks/gateway_hub.py``). The
factory is called inside the gateway's running event loop (it may start background tasks),
finds a private scratch directory in ``$GOVHUB_BENCH_DIR``, and when the policy has a
``close()`` it is called after SIGTERM, once the listener is closed. Everything listens on
127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
BODY = "hello from the upstream, a small JSON-sized answer"
WORKDIR_ENV = "GOVHUB_BENCH_DIR"  # the gateway process's scratch directory


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
        from govhub_gateway.engine.exchange import Forward
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
                  cpu: int = 0, workdir: Path | None = None,
                  profile: Path | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Run the engine in its own process (pinned to ``cpu``) with
    ``policy_factory("127.0.0.1", upstream_port)``; returns the process and its port.
    ``policy_factory`` must be importable at module level (it is named, not pickled).
    ``workdir`` reaches the factory as ``$GOVHUB_BENCH_DIR``; with ``profile`` the process
    runs under cProfile and writes its stats there when terminated."""
    port = free_port()
    module = policy_factory.__module__
    if module == "__main__":  # a benchmark run as a script: name its module from its file
        main_file = Path(sys.modules["__main__"].__file__ or "").resolve()
        module = ".".join(main_file.relative_to(ROOT).with_suffix("").parts)
    spec = f"{module}:{policy_factory.__qualname__}"
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}")
    if workdir is not None:
        env[WORKDIR_ENV] = str(workdir)
    command = [*pinned(cpu), sys.executable, __file__, "--serve", spec, str(port),
               str(upstream_port)]
    if profile is not None:
        command += ["--profile", str(profile)]
    process = subprocess.Popen(command, env=env)
    wait_listening(port)
    return process, port


def serve(spec: str, port: int, upstream_port: int, profile: str | None = None) -> None:
    """The gateway process: until SIGTERM, then close the listener and the policy."""
    import asyncio

    import uvloop

    from govhub_gateway.engine.server import start_server

    module, _, name = spec.partition(":")
    factory = getattr(importlib.import_module(module), name)

    async def main() -> None:
        policy = factory("127.0.0.1", upstream_port)
        server = await start_server(policy, host="127.0.0.1", port=port)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await server.close()
        close = getattr(policy, "close", None)
        if callable(close):
            close()

    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    try:
        uvloop.run(main())
    finally:
        if profiler is not None and profile:
            profiler.disable()
            profiler.dump_stats(profile)


# -- measuring ---------------------------------------------------------------------------------
def parse_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(port: int, connections: int, seconds: float, *, path: str = "/",
        script: Path | None = None) -> dict[str, float]:
    """One wrk run on CPU 1: requests/s, p50 and p99 (ms), and the number of requests.
    Raises when wrk saw any non-2xx/3xx answer or socket error: a benchmark that measures
    refusals measures nothing."""
    command = [*pinned(1), WRK, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"],
                            capture_output=True, text=True, check=True).stdout
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        p50 = parse_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
        p99 = parse_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
        count = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError) as error:
        raise RuntimeError(f"cannot read wrk's output for port {port}:\n{output}") from error
    if re.search(r"Non-2xx or 3xx responses|Socket errors", output):
        raise RuntimeError(f"errors while measuring port {port}:\n{output}")
    return {"rps": rps, "p50": p50, "p99": p99, "requests": count}


@dataclass
class Running:
    ports: dict[str, int]  # target name → port, "direct" and "nginx" first
    pids: dict[str, int]  # target name → the process serving it
    workdir: Path  # the run's temporary directory; gateway ``name`` has ``workdir / name``


@contextlib.contextmanager
def stack(gateways: dict[str, Callable[[str, int], Any]], *,
          profile: dict[str, Path] | None = None) -> Iterator[Running]:
    """The upstream, nginx ``proxy_pass`` and one gateway process per entry of ``gateways``
    (name → policy factory), all pinned to CPU 0. Each gateway's scratch directory
    (``$GOVHUB_BENCH_DIR``) is ``<tmp>/<name>``, kept until the processes are stopped."""
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
            ports = {"direct": upstream, "nginx": proxy}
            pids = {"direct": processes[0].pid, "nginx": processes[1].pid}
            for name, factory in gateways.items():
                workdir = Path(tmp) / name
                workdir.mkdir()
                process, ports[name] = start_gateway(
                    factory, upstream, workdir=workdir, profile=(profile or {}).get(name))
                processes.append(process)
                pids[name] = process.pid
            yield Running(ports, pids, Path(tmp))
        finally:
            stop_all(processes)


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each (the gateways close their policies and write their profiles), wait,
    and kill what is still running after 10 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (proc(5): utime and stime, fields 14-15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_run(running: Running, name: str, connections: int, seconds: float, path: str,
                 script: Path | None) -> dict[str, float]:
    """One wrk run, plus the CPU time per request of the target's own process ("cpu_us"):
    unlike requests/s it hardly changes when a neighbour takes part of the core."""
    pid = running.pids[name]
    before = cpu_seconds(pid)
    run = wrk(running.ports[name], connections, seconds, path=path, script=script)
    run["cpu_us"] = (cpu_seconds(pid) - before) / max(1, run["requests"]) * 1e6
    return run


def measure(running: Running, seconds: float, *, path: str = "/",
            script: Path | None = None, rounds: int = 1
            ) -> dict[tuple[str, int], dict[str, Any]]:
    """A 1 s warm-up per target at concurrency 10 (connections, pools, caches), then
    ``rounds`` interleaved rounds of concurrency 1 and 50 for ``seconds`` each, every target
    in turn. Per (target, concurrency) the round with the highest throughput is kept (its
    p50/p99 with it), every round's requests/s under "rounds", the median CPU µs/request
    and the total number of requests: on a shared machine a neighbour's burst lowers one
    round, and interleaving spreads such bursts over the targets."""
    for port in running.ports.values():
        wrk(port, 10, 1, path=path, script=script)
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    for _ in range(rounds):
        for connections in (1, 50):
            for name in running.ports:
                runs.setdefault((name, connections), []).append(
                    measured_run(running, name, connections, seconds, path, script))
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for key in sorted(runs, key=lambda key: (list(running.ports).index(key[0]), key[1])):
        best = max(runs[key], key=lambda run: run["rps"])
        cpu = sorted(run["cpu_us"] for run in runs[key])
        results[key] = {**best, "requests": sum(run["requests"] for run in runs[key]),
                        "rounds": [run["rps"] for run in runs[key]],
                        "cpu_us": cpu[len(cpu) // 2]}
    return results


def print_table(results: dict[tuple[str, int], dict[str, Any]]) -> None:
    print(f"{'target':<15} {'conc':>4} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU µs/req':>10}  req/s of each round")
    for (name, connections), r in results.items():
        rounds = " ".join(f"{rps:.0f}" for rps in r["rounds"])
        print(f"{name:<15} {connections:>4} {r['rps']:>10.0f} {r['p50']:>8.3f} "
              f"{r['p99']:>8.3f} {r['cpu_us']:>10.1f}  {rounds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--serve", nargs=3, metavar=("SPEC", "PORT", "UPSTREAM_PORT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]), args.profile)
        return
    with stack({"gateway": forwarding_policy}) as running:
        results = measure(running, args.seconds)
    print_table(results)
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
