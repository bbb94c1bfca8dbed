"""``govhub demo``: prepare a laptop demo (secrets under ``var/``, migrations, the Cà Mau
seed), then run every process the demo needs in the foreground until Ctrl-C.

The processes are supervised by honcho (the Procfile runner): one line of output per
process, prefixed by its name; Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
from pathlib import Path

DEMO_SECRETS = ("secret_key", "pii_key")


def demo_environment(data_dir: Path) -> dict[str, str]:
    """Environment for the demo: DEBUG on, and secrets generated once into files under
    ``data_dir/secrets`` (never in the repository; kept so sessions and the personal IDs
    stored in the demo database survive a restart)."""
    env = {"GOVHUB_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "govhub.config.settings"}
    env["GOVHUB_DEBUG"] = os.environ.get("GOVHUB_DEBUG", "true")
    secrets_dir = data_dir / "secrets"
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in DEMO_SECRETS:
        variable = f"GOVHUB_{name.upper()}"
        if os.environ.get(variable) or os.environ.get(f"{variable}_FILE"):
            continue
        path = secrets_dir / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        env[f"{variable}_FILE"] = str(path)
    return env


def processes(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "-m", "uvicorn", "govhub.config.asgi:application", "--host", host,
                "--port", str(port), "--lifespan", "off", "--no-access-log"],
        "worker": [python, "-m", "govhub", "db_worker", "--interval", "1"],
    }


def run_demo(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="govhub demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed-only", action="store_true",
                        help="migrate and seed, then exit without starting the processes")
    options = parser.parse_args(args)

    data_dir = Path(os.environ.get("GOVHUB_DATA_DIR", "var")).resolve()
    os.environ.update(demo_environment(data_dir))

    import django
    from django.core.management import call_command

    django.setup()
    print("govhub demo: preparing the database …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo")
    if options.seed_only:
        return 0

    from honcho.manager import Manager
    from honcho.printer import Printer

    manager = Manager(Printer(sys.stdout))
    for name, command in processes(options.host, options.port).items():
        manager.add_process(name, shlex.join(command), env=dict(os.environ))
    url = f"http://{options.host}:{options.port}/"
    print(f"\ngovhub demo: {url}  (admin: {url}admin/, API: {url}api/docs)\n"
          "Press Ctrl-C to stop.\n", flush=True)
    manager.loop()
    return int(manager.returncode or 0)
