"""``govhub demo``: prepare a laptop demo (secrets under ``var/``, migrations, the Cà Mau
seed), then run every process the demo needs in the foreground until Ctrl-C.

The processes are supervised by honcho (the Procfile runner): one line of output per
process, prefixed by its name; Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import shlex
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

DEMO_SECRETS = ("secret_key", "pii_key")
# The sandbox SMS gateway (govhub_sandbox.sms): sign-in codes show on its outbox page.
SMS_SANDBOX_PORT = 8091
# The sandbox VNeID (govhub_sandbox.vneid): "Sign in with VNeID" signs in its test citizens.
VNEID_SANDBOX_PORT = 8090
# govhub's registration at the sandbox: demo values, not secrets (the sandbox signs anyone in
# and listens on loopback only).
VNEID_DEMO_CLIENT_ID = "govhub-demo"
VNEID_DEMO_CLIENT_SECRET = "govhub-demo-secret"  # noqa: S105 - a documented demo value
# The integration hub (issue 4): the gateway (data plane) and its loopback admin port, and the
# sandbox providers behind it at the ports the demo registry names (govhub.integration.demo).
GATEWAY_PORT = 8080
GATEWAY_ADMIN_PORT = 8081
UPSTREAM_PORTS = {"population": 8093, "land": 8094, "agriculture": 8095}


@dataclass(frozen=True)
class HubPorts:
    """The hub's demo ports: the documented ones when free, else any (a second demo, a test)."""

    gateway: int
    admin: int
    upstreams: dict[str, int]

    @classmethod
    def choose(cls) -> HubPorts:
        return cls(free_port_or(GATEWAY_PORT), free_port_or(GATEWAY_ADMIN_PORT),
                   {name: free_port_or(port) for name, port in UPSTREAM_PORTS.items()})


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


def sms_environment(sms_url: str) -> dict[str, str]:
    """Point phone sign-in at the sandbox gateway, unless the caller chose a gateway."""
    if os.environ.get("GOVHUB_SMS_BACKEND") or os.environ.get("GOVHUB_SMS_GATEWAY_URL"):
        return {}
    return {"GOVHUB_SMS_BACKEND": "http", "GOVHUB_SMS_GATEWAY_URL": f"{sms_url}/api/sms/send"}


def vneid_environment(vneid_url: str) -> dict[str, str]:
    """Point "Sign in with VNeID" at the sandbox provider, unless the caller chose one."""
    if os.environ.get("GOVHUB_VNEID_DISCOVERY_URL"):
        return {}
    return {"GOVHUB_VNEID_DISCOVERY_URL": f"{vneid_url}/.well-known/openid-configuration",
            "GOVHUB_VNEID_CLIENT_ID": VNEID_DEMO_CLIENT_ID,
            "GOVHUB_VNEID_CLIENT_SECRET": VNEID_DEMO_CLIENT_SECRET}


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def write_vneid_sandbox_config(path: Path, *, vneid_url: str, host: str, port: int) -> Path:
    """The sandbox's configuration for this demo (see govhub_sandbox/vneid/README.md): govhub
    registered with the callback it really has at this host and port (the sandbox, like
    the national portal, matches redirect URIs exactly); the built-in test citizens."""
    hosts = dict.fromkeys(h for h in (host, "127.0.0.1", "localhost")
                          if not _is_unspecified(h))  # 0.0.0.0 names no host to go back to
    path.write_text(json.dumps({"issuer": vneid_url, "clients": [{
        "client_id": VNEID_DEMO_CLIENT_ID, "client_secret": VNEID_DEMO_CLIENT_SECRET,
        "name": "Chính quyền số Cà Mau (govhub)",
        "redirect_uris": [f"http://{h}:{port}/login/vneid/callback/" for h in hosts],
        "post_logout_redirect_uris": [f"http://{h}:{port}/" for h in hosts],
    }]}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def free_port_or(preferred: int, host: str = "127.0.0.1") -> int:
    """``preferred`` if nothing listens there, else a free port (a second demo, a test)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, preferred))
        except OSError:
            probe.bind((host, 0))
        return int(probe.getsockname()[1])


def gateway_environment(data_dir: Path, ports: HubPorts, *, control_url: str,
                        token: str) -> dict[str, str]:
    """The demo gateway's settings (govhub_gateway.config); its token in a file, never argv."""
    token_file = data_dir / "secrets" / "gateway-token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    return {"GOVHUB_GATEWAY_ID": "gw-camau-1", "GOVHUB_GATEWAY_TOKEN_FILE": str(token_file),
            "GOVHUB_GATEWAY_CONTROL_URL": control_url,
            "GOVHUB_GATEWAY_DATA_DIR": str(data_dir / "gateway"),
            "GOVHUB_GATEWAY_HOST": "127.0.0.1", "GOVHUB_GATEWAY_PORT": str(ports.gateway),
            "GOVHUB_GATEWAY_ADMIN_HOST": "127.0.0.1", "GOVHUB_GATEWAY_ADMIN_PORT": str(ports.admin)}


def processes(host: str, port: int, *, sms_port: int = SMS_SANDBOX_PORT,
              vneid_port: int = VNEID_SANDBOX_PORT, vneid_config: Path | None = None,
              hub_ports: HubPorts | None = None) -> dict[str, list[str]]:
    python = sys.executable
    upstream_ports = (hub_ports.upstreams if hub_ports else UPSTREAM_PORTS).items()
    return {
        # The data plane and the simulated providers behind it, loopback only.
        "gateway": [python, "-m", "govhub_gateway", "run"],
        "upstreams": [python, "-m", "govhub_sandbox.upstreams", "--host", "127.0.0.1",
                      *(f"--{name}-port={port}" for name, port in upstream_ports)],
        # Loopback only as well: this provider signs anyone in.
        "vneid": [python, "-m", "govhub_sandbox.vneid", "--host", "127.0.0.1",
                  "--port", str(vneid_port),
                  *(["--config", str(vneid_config)] if vneid_config else [])],
        # Loopback only, whatever --host says: the sandbox shows every code it "sends".
        "sms": [python, "-m", "govhub_sandbox.sms", "--host", "127.0.0.1",
                "--port", str(sms_port)],
        "web": [python, "-m", "uvicorn", "govhub.config.asgi:application", "--host", host,
                "--port", str(port), "--lifespan", "off", "--no-access-log"],
        "worker": [python, "-m", "govhub", "db_worker", "--interval", "1", "--no-reload"],
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
    sms_port = free_port_or(SMS_SANDBOX_PORT)
    sms_url = f"http://127.0.0.1:{sms_port}"
    sms_env = sms_environment(sms_url)
    os.environ.update(sms_env)
    vneid_port = free_port_or(VNEID_SANDBOX_PORT)
    vneid_url = f"http://127.0.0.1:{vneid_port}"
    vneid_env = vneid_environment(vneid_url)
    os.environ.update(vneid_env)
    vneid_config = write_vneid_sandbox_config(data_dir / "vneid-sandbox.json",
                                              vneid_url=vneid_url, host=options.host,
                                              port=options.port)
    # The OpenID issuer and problem URIs name the address the demo really serves.
    os.environ.setdefault("GOVHUB_PUBLIC_URL", f"http://{options.host}:{options.port}")

    import django
    from django.core.management import call_command

    django.setup()
    print("govhub demo: preparing the database …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo")
    call_command("seed_catalog")
    hub_ports = HubPorts.choose()
    call_command("seed_hub_demo", gateway_admin_url=f"http://127.0.0.1:{hub_ports.admin}",
                 **{f"{name}_url": f"http://127.0.0.1:{port}"
                    for name, port in hub_ports.upstreams.items()})
    # Written by seed_hub_demo (govhub.integration.demo.secrets_file).
    hub_secrets = json.loads((data_dir / "secrets" / "demo-hub.json").read_text())
    os.environ.update(gateway_environment(
        data_dir, hub_ports, control_url=f"http://127.0.0.1:{options.port}",
        token=hub_secrets["gateway"]))
    if options.seed_only:
        return 0

    from honcho.manager import Manager
    from honcho.printer import Printer

    manager = Manager(Printer(sys.stdout))
    for name, command in processes(options.host, options.port, sms_port=sms_port,
                                   vneid_port=vneid_port, vneid_config=vneid_config,
                                   hub_ports=hub_ports).items():
        manager.add_process(name, shlex.join(command), env=dict(os.environ))
    url = f"http://{options.host}:{options.port}/"
    outbox = f"Sign-in codes sent by SMS (sandbox outbox): {sms_url}/\n" if sms_env else ""
    if vneid_env:
        outbox += f"Sign in with VNeID: test citizens of the sandbox VNeID at {vneid_url}/\n"
    outbox += (f"Integration hub gateway: http://127.0.0.1:{hub_ports.gateway}/r1/listClients "
               f"(metrics: http://127.0.0.1:{hub_ports.admin}/metrics)\n")
    print(f"\ngovhub demo: {url}  (admin: {url}admin/, API: {url}api/docs)\n{outbox}"
          "Press Ctrl-C to stop.\n", flush=True)
    manager.loop()
    return int(manager.returncode or 0)
