"""Lighthouse on the citizen app's home page: performance, accessibility and best
practices with Lighthouse's mobile settings, and the compressed size of the JavaScript the
page ships, against the targets in benchmarks/README.md.

    python benchmarks/lighthouse_home.py [--keep-report report.json]

Installs the npm ``lighthouse`` package into benchmarks/lighthouse/ when missing (``npm ci``
from the committed lock, which records versions and integrity hashes only), seeds a fresh
database (the Cà Mau demo and its catalog), collects the static files, serves the production
settings with the web process's gunicorn on 127.0.0.1, runs Lighthouse with the system
Chromium, prints the scores and stops everything by itself.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NPM_DIR = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE = NPM_DIR / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
JS_BUDGET_BYTES = 60 * 1024
Report = dict[str, Any]  # Lighthouse's JSON result (LHR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def install_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    command = ["npm", "ci"] if (NPM_DIR / "package-lock.json").exists() else ["npm", "install"]
    subprocess.run([*command, "--no-audit", "--no-fund", "--omit-lockfile-registry-resolved"],
                   cwd=NPM_DIR, check=True)


def prepare(env: dict[str, str]) -> None:
    python = sys.executable
    # The demo's seed registers http:// loopback redirect URIs, which only the demo's
    # DEBUG settings accept; the page is then served with the production settings.
    seed_env = {**env, "GOVHUB_DEBUG": "true"}
    for command in (["migrate", "-v", "0"], ["seed_demo"], ["seed_catalog"],
                    ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([python, "-m", "govhub", *command], env=seed_env, check=True,
                       stdout=subprocess.DEVNULL)


def wait_until_up(base: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def run_lighthouse(url: str) -> Report:
    result = subprocess.run(
        [str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
         "--only-categories=performance,accessibility,best-practices",
         "--form-factor=mobile", "--chrome-flags=--headless --no-sandbox --disable-gpu"],
        env={**os.environ, "CHROME_PATH": CHROME}, check=False, capture_output=True, text=True)
    if result.returncode != 0:  # Lighthouse says why on stderr (--quiet keeps errors)
        raise SystemExit(f"Lighthouse failed (exit {result.returncode}):\n"
                         f"{result.stderr[-3000:]}")
    report: Report = json.loads(result.stdout)
    return report


def script_sizes(base: str, report: Report) -> list[tuple[str, int, int]]:
    """(url, gzip -9 bytes, bytes on the wire) of every script the page loaded, and the
    service worker it installs: gzip measured here, so the figure holds behind any proxy."""
    items = report["audits"]["network-requests"]["details"]["items"]
    wire = {item["url"]: int(item.get("transferSize", 0)) for item in items
            if item.get("resourceType") == "Script"}
    urls = sorted({*wire, f"{base}/sw.js"})
    sizes = []
    for url in urls:
        body = urllib.request.urlopen(url, timeout=5).read()  # noqa: S310 - loopback
        sizes.append((url.removeprefix(base), len(gzip.compress(body, 9)), wire.get(url, 0)))
    return sizes


def print_results(report: Report, sizes: list[tuple[str, int, int]]) -> bool:
    passed = True
    print(f"Lighthouse {report['lighthouseVersion']} — {report['finalDisplayedUrl']} (mobile)")
    for key, target in TARGETS.items():
        score = round(report["categories"][key]["score"] * 100)
        ok = score >= target
        passed &= ok
        print(f"  {key:<15} {score:>3}   target ≥ {target}   {'ok' if ok else 'BELOW'}")
    total = sum(size for _, size, _ in sizes)
    ok = total <= JS_BUDGET_BYTES
    passed &= ok
    print(f"  JavaScript      {total / 1024:.1f} KB gzip  target ≤ 60 KB   "
          f"{'ok' if ok else 'OVER'}")
    for path, size, wire in sizes:
        seen = f"{wire:>6} B on the wire" if wire else "(not in the page's requests)"
        print(f"    {path:<40} {size:>6} B gzip  {seen}")
    for key in TARGETS:
        for ref in report["categories"][key]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 0.9:
                title = re.sub(r"\s+", " ", audit["title"])
                print(f"  to look at ({key}): {title} — {audit.get('displayValue', '')}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-report", type=Path, help="write Lighthouse's JSON here")
    options = parser.parse_args()
    if not shutil.which("npm") or not Path(CHROME).exists():
        raise SystemExit(f"needs npm and Chromium at {CHROME} (apt-get install chromium npm)")
    install_lighthouse()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="govhub-lighthouse-") as data_dir:
        env = {**os.environ, "GOVHUB_DATA_DIR": data_dir, "GOVHUB_SECRET_KEY": "l" * 50,
               "GOVHUB_PII_KEY": "p" * 40, "GOVHUB_BEHIND_TLS_PROXY": "false",
               "GOVHUB_PUBLIC_URL": base, "DJANGO_SETTINGS_MODULE": "govhub.config.settings"}
        prepare(env)
        server = subprocess.Popen([  # the web process as deployed (ADR 0017)
            sys.executable, "-m", "gunicorn", "-c", "python:govhub.config.web_server",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], env=env)
        try:
            wait_until_up(base)
            report = run_lighthouse(f"{base}/")
            sizes = script_sizes(base, report)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if options.keep_report:
        options.keep_report.write_text(json.dumps(report, indent=1))
    return 0 if print_results(report, sizes) else 1


if __name__ == "__main__":
    sys.exit(main())
