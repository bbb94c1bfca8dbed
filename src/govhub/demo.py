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
# The integration hub: the gateway (data plane) and its loopback admin port, and the
# sandbox providers behind it at the ports the demo registry names (govhub.integration.demo).
GATEWAY_PORT = 8080
GATEWAY_ADMIN_PORT = 8081
UPSTREAM_PORTS = {"population": 8093, "land": 8094, "agriculture": 8095, "weather": 8096,
                  "tourism": 8097}
# The land-parcel web mini-app (govhub_sandbox.miniapp): a fixed port, since its
# demo OpenID client (govhub.identity.demo) and the citizen app's catalog name :8070.
MINIAPP_PORT = 8070
MINIAPP_HUB_CLIENT = "000.00.03.H12/tracuuthuadat"  # used when demo-hub.json names none


@dataclass(frozen=True)
class HubPorts:
    """The hub's demo ports: the documented ones when free, else any (a second demo, a test)."""

    gateway: int
    admin: int
    upstreams: dict[str, int]

    @classmethod
    def choose(cls) -> HubPorts:
        return cls(free_port_or(GATEWAY_PORT, role="the hub gateway"),
                   free_port_or(GATEWAY_ADMIN_PORT, role="the gateway's admin port"),
                   {name: free_port_or(port, role=f"the sandbox {name} provider")
                    for name, port in UPSTREAM_PORTS.items()})


def demo_environment(data_dir: Path) -> dict[str, str]:
    """Environment for the demo: DEBUG on, and secrets generated once into files under
    ``data_dir/secrets`` (never in the repository; kept so sessions and the personal IDs
    stored in the demo database survive a restart)."""
    secrets_dir = data_dir / "secrets"
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in DEMO_SECRETS:
        path = secrets_dir / name
        if not _secret_given(name) and not path.exists():
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
    return existing_demo_environment(data_dir)


def existing_demo_environment(data_dir: Path) -> dict[str, str]:
    """The demo's environment from the secret files it already wrote, for the other
    ``govhub`` commands run beside it; {} without a ``data_dir/secrets`` directory. A secret
    the caller set, or one with no file, is left out (generating one would make the
    personal IDs already stored unreadable)."""
    secrets_dir = data_dir / "secrets"
    if not secrets_dir.is_dir():
        return {}
    env = {"GOVHUB_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "govhub.config.settings"}
    env["GOVHUB_DEBUG"] = os.environ.get("GOVHUB_DEBUG", "true")
    for name in DEMO_SECRETS:
        path = secrets_dir / name
        if not _secret_given(name) and path.is_file():
            env[f"GOVHUB_{name.upper()}_FILE"] = str(path)
    return env


def _secret_given(name: str) -> bool:
    variable = f"GOVHUB_{name.upper()}"
    return bool(os.environ.get(variable) or os.environ.get(f"{variable}_FILE"))


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
    the national portal, matches redirect URIs exactly) and with its back-channel logout
    endpoint, so signing out at the sandbox signs the citizen out of govhub too (OpenID
    Connect Back-Channel Logout 1.0 §2.2); the built-in test citizens."""
    hosts = dict.fromkeys(h for h in (host, "127.0.0.1", "localhost")
                          if not _is_unspecified(h))  # 0.0.0.0 names no host to go back to
    path.write_text(json.dumps({"issuer": vneid_url, "clients": [{
        "client_id": VNEID_DEMO_CLIENT_ID, "client_secret": VNEID_DEMO_CLIENT_SECRET,
        "name": "Chính quyền số Cà Mau (govhub)",
        "redirect_uris": [f"http://{h}:{port}/login/vneid/callback/" for h in hosts],
        "post_logout_redirect_uris": [f"http://{h}:{port}/" for h in hosts],
        "backchannel_logout_uri": f"http://{next(iter(hosts))}:{port}/login/vneid/backchannel-logout/",
    }]}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``port`` now. The probe binds the way the demo's
    servers do (uvicorn, gunicorn, asyncio's ``create_server``): with ``SO_REUSEADDR``, so
    connections of a previous run still in TIME-WAIT (RFC 9293 §3.6.1: twice the MSL after the
    server closed them) do not make the port look taken; only a listening socket does."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            probe.listen(1)
        except OSError:
            return False
        return True


def free_port_or(preferred: int, host: str = "127.0.0.1", *, role: str | None = None) -> int:
    """``preferred`` if nothing listens there, else a free port (a second demo, a test).
    With a ``role``, a documented port found taken is said in one console line, since the
    README's addresses then do not apply."""
    if port_is_free(preferred, host):
        return preferred
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = int(probe.getsockname()[1])
    if role:
        print(f"govhub demo: port {preferred} ({role}) is taken by another program; "
              f"{role} listens on {port} instead.", flush=True)
    return port


def gateway_environment(data_dir: Path, ports: HubPorts, *, control_url: str,
                        token: str) -> dict[str, str]:
    """The demo gateway's settings (govhub_gateway.config); its token in a file, never argv."""
    token_file = data_dir / "secrets" / "gateway-token"
    _write_secret(token_file, token)
    return {"GOVHUB_GATEWAY_ID": "gw-camau-1", "GOVHUB_GATEWAY_TOKEN_FILE": str(token_file),
            "GOVHUB_GATEWAY_CONTROL_URL": control_url,
            "GOVHUB_GATEWAY_DATA_DIR": str(data_dir / "gateway"),
            "GOVHUB_GATEWAY_HOST": "127.0.0.1", "GOVHUB_GATEWAY_PORT": str(ports.gateway),
            "GOVHUB_GATEWAY_ADMIN_HOST": "127.0.0.1", "GOVHUB_GATEWAY_ADMIN_PORT": str(ports.admin)}


@dataclass(frozen=True)
class MiniAppSetup:
    """How the demo starts the mini-app; secrets are in 0600 files named by path."""

    issuer: str
    client_id: str
    secret_file: Path
    gateway_url: str
    hub_client: str
    hub_key_file: Path


def _write_secret(path: Path, value: str) -> None:
    path.write_text(value)
    path.chmod(0o600)


def prepare_miniapp(data_dir: Path, *, issuer: str, gateway_url: str) -> MiniAppSetup | None:
    """After the seed: the mini-app's client id (database), secret (demo-clients.json, by
    client name) and hub key (demo-hub.json, "miniapp"). Without a key the mini-app still
    starts and says on its page that it has none; without its client it is not started."""
    from govhub.identity import demo as identity_demo
    from govhub.identity.models import Client

    client = Client.objects.filter(name=identity_demo.MINIAPP_CLIENT).first()
    secrets_path = identity_demo.client_secrets_file()
    stored = json.loads(secrets_path.read_text()) if secrets_path.exists() else {}
    if client is None or not stored.get(client.name):
        return None
    secret_file = data_dir / "secrets" / "miniapp-client-secret"
    _write_secret(secret_file, stored[client.name])
    hub_path = data_dir / "secrets" / "demo-hub.json"
    hub: dict[str, str] = json.loads(hub_path.read_text()) if hub_path.exists() else {}
    key, key_file = hub.get("miniapp"), data_dir / "secrets" / "miniapp-hub-key"
    if key:
        _write_secret(key_file, key)
    else:
        key_file.unlink(missing_ok=True)
    # The seed also files the key under the consumer's id (member/system): that names it.
    hub_client = next((name for name, value in hub.items() if key and value == key
                       and "/" in name), MINIAPP_HUB_CLIENT)
    return MiniAppSetup(issuer, client.client_id, secret_file, gateway_url, hub_client,
                        key_file)


def miniapp_command(python: str, setup: MiniAppSetup) -> list[str]:
    return [python, "-m", "govhub_sandbox.miniapp", "--host", "127.0.0.1",
            "--port", str(MINIAPP_PORT), "--issuer", setup.issuer,
            "--client-id", setup.client_id, "--client-secret-file", str(setup.secret_file),
            "--gateway-url", setup.gateway_url, "--hub-client", setup.hub_client,
            "--hub-key-file", str(setup.hub_key_file)]


def portal_hub_environment(data_dir: Path, ports: HubPorts,
                           hub_secrets: dict[str, str]) -> dict[str, str]:
    """The citizen app's cards come through the demo gateway with its own consumer key (web
    and worker: the worker refreshes the cards), unless the caller chose a hub."""
    if os.environ.get("GOVHUB_HUB_GATEWAY_URL") or "portal" not in hub_secrets:
        return {}
    key_file = data_dir / "secrets" / "portal-hub-key"
    _write_secret(key_file, hub_secrets["portal"])
    return {"GOVHUB_HUB_GATEWAY_URL": f"http://127.0.0.1:{ports.gateway}",
            "GOVHUB_HUB_API_KEY_FILE": str(key_file)}


def processes(host: str, port: int, *, sms_port: int = SMS_SANDBOX_PORT,
              vneid_port: int = VNEID_SANDBOX_PORT, vneid_config: Path | None = None,
              hub_ports: HubPorts | None = None,
              miniapp: MiniAppSetup | None = None) -> dict[str, list[str]]:
    python = sys.executable
    upstream_ports = (hub_ports.upstreams if hub_ports else UPSTREAM_PORTS).items()
    # The web mini-app, loopback only; its client secret and hub key are read from files.
    extra = {"miniapp": miniapp_command(python, miniapp)} if miniapp else {}
    return extra | {
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
        # HTTP under gunicorn's gthread workers (ADR 0017); the ASGI application is for the
        # websockets, which no page uses yet.
        "web": [python, "-m", "gunicorn", "-c", "python:govhub.config.web_server",
                "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "worker": [python, "-m", "govhub", "db_worker", "--interval", "1", "--no-reload"],
    }


def citizen_app_environment(public_url: str) -> dict[str, str]:
    """The citizen app signs in as its own OIDC client (govhub.portal.app_sign_in) when the
    demo serves the address its client was registered with; elsewhere it uses the sign-in
    page directly rather than fail on an unregistered redirect URI."""
    from govhub.identity import demo as identity_demo
    from govhub.identity.models import Client

    client = Client.objects.filter(name=identity_demo.CITIZEN_APP_CLIENT).first()
    callback = f"{public_url.rstrip('/')}/app/callback"
    if client is None or callback not in client.redirect_uris.split():
        return {}
    return {"GOVHUB_APP_CLIENT_ID": client.client_id}


def _demo_miniapp(data_dir: Path, hub_ports: HubPorts) -> MiniAppSetup | None:
    # honcho stops every process when one exits: a taken port must not end the demo.
    if not port_is_free(MINIAPP_PORT):
        print(f"govhub demo: port {MINIAPP_PORT} is taken; the web mini-app is not started.",
              flush=True)
        return None
    return prepare_miniapp(data_dir, issuer=os.environ["GOVHUB_PUBLIC_URL"].rstrip("/"),
                           gateway_url=f"http://127.0.0.1:{hub_ports.gateway}")


def run_demo(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="govhub demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed-only", action="store_true",
                        help="migrate and seed, then exit without starting the processes")
    options = parser.parse_args(args)

    data_dir = Path(os.environ.get("GOVHUB_DATA_DIR", "var")).resolve()
    os.environ.update(demo_environment(data_dir))
    sms_port = free_port_or(SMS_SANDBOX_PORT, role="the sandbox SMS gateway")
    sms_url = f"http://127.0.0.1:{sms_port}"
    sms_env = sms_environment(sms_url)
    os.environ.update(sms_env)
    vneid_port = free_port_or(VNEID_SANDBOX_PORT, role="the sandbox VNeID")
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
    os.environ.update(portal_hub_environment(data_dir, hub_ports, hub_secrets))
    os.environ.update(citizen_app_environment(os.environ["GOVHUB_PUBLIC_URL"]))
    if options.seed_only:
        return 0

    from honcho.manager import Manager
    from honcho.printer import Printer

    manager = Manager(Printer(sys.stdout))
    miniapp = _demo_miniapp(data_dir, hub_ports)
    for name, command in processes(options.host, options.port, sms_port=sms_port,
                                   vneid_port=vneid_port, vneid_config=vneid_config,
                                   hub_ports=hub_ports, miniapp=miniapp).items():
        manager.add_process(name, shlex.join(command), env=dict(os.environ))
    url = f"http://{options.host}:{options.port}/"
    outbox = f"Sign-in codes sent by SMS (sandbox outbox): {sms_url}/\n" if sms_env else ""
    if vneid_env:
        outbox += f"Sign in with VNeID: test citizens of the sandbox VNeID at {vneid_url}/\n"
    if miniapp:
        outbox += f"Web mini-app Tra cứu thửa đất: http://127.0.0.1:{MINIAPP_PORT}/\n"
    outbox += (f"Integration hub gateway: http://127.0.0.1:{hub_ports.gateway}/r1/listClients "
               f"(metrics: http://127.0.0.1:{hub_ports.admin}/metrics)\n")
    print(f"\ngovhub demo: {url}  (admin: {url}admin/, API: {url}api/docs)\n{outbox}"
          "Press Ctrl-C to stop.\n", flush=True)
    manager.loop()
    return int(manager.returncode or 0)
