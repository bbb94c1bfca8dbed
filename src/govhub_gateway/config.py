"""The gateway's configuration: ``GOVHUB_GATEWAY_*`` environment variables, each overridable
by a command-line flag (twelve-factor config, as the control plane's ``GOVHUB_*``).

Secrets never come from a flag (they would show in ``ps``): the gateway token comes from
``GOVHUB_GATEWAY_TOKEN`` or, better, ``GOVHUB_GATEWAY_TOKEN_FILE`` / ``--token-file`` (the
control plane's ``*_FILE`` convention, which suits container secrets). A bad value stops the
gateway with one clear line and exit code 2 (:class:`ConfigError`), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from govhub_contracts.snapshot import GATEWAY_TOKEN_PREFIX

PREFIX = "GOVHUB_GATEWAY_"


class ConfigError(Exception):
    """A configuration the gateway cannot start with; the message says which setting."""


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    gateway_id: str
    token: str
    host: str = "127.0.0.1"
    port: int = 8080
    admin_host: str = "127.0.0.1"
    admin_port: int = 8081
    control_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("var/gateway")
    poll_seconds: float = 5.0
    heartbeat_seconds: float = 10.0
    ship_seconds: float = 1.0
    problem_base_url: str = ""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"GatewayConfig(gateway_id={self.gateway_id!r}, port={self.port}, …)"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    def ssl_context(self) -> ssl.SSLContext | None:
        """Mutual TLS for consumers, when a certificate is configured: client certificates
        are optional (CERT_OPTIONAL) because API keys and tokens authenticate too; when one
        is presented it must chain to TLS_CLIENT_CA and its fingerprint then identifies the
        consumer system (``CertificateBinding``)."""
        if self.tls_cert is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(self.tls_cert, self.tls_key)
            if self.tls_client_ca is not None:
                context.load_verify_locations(cafile=self.tls_client_ca)
                context.verify_mode = ssl.CERT_OPTIONAL
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(f"TLS: cannot load the certificate, key or CA: {error}") \
                from error
        return context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``python -m govhub_gateway run``; each overrides its variable."""
    flag = parser.add_argument
    flag("--id", dest="ID", help="gateway code (GOVHUB_GATEWAY_ID)")
    flag("--host", dest="HOST", help="listen address for consumers (127.0.0.1)")
    flag("--port", dest="PORT", help="listen port for consumers (8080)")
    flag("--admin-host", dest="ADMIN_HOST", help="metrics/health address (127.0.0.1)")
    flag("--admin-port", dest="ADMIN_PORT", help="metrics/health port (8081)")
    flag("--control-url", dest="CONTROL_URL", help="control plane (http://127.0.0.1:8000)")
    flag("--token-file", dest="TOKEN_FILE", help="file holding the ghg_… gateway token")
    flag("--data-dir", dest="DATA_DIR", help="spool and last snapshot (./var/gateway)")
    flag("--poll-seconds", dest="POLL_SECONDS", help="snapshot polling interval (5)")
    flag("--heartbeat-seconds", dest="HEARTBEAT_SECONDS", help="heartbeat interval (10)")
    flag("--ship-seconds", dest="SHIP_SECONDS", help="evidence shipping interval (1)")
    flag("--problem-base-url", dest="PROBLEM_BASE_URL", help="base of problem type URLs")
    flag("--tls-cert", dest="TLS_CERT", help="server certificate (PEM) for consumer TLS")
    flag("--tls-key", dest="TLS_KEY", help="its private key (PEM)")
    flag("--tls-client-ca", dest="TLS_CLIENT_CA", help="CA of consumers' certificates")


def load_config(environ: Mapping[str, str] | None = None,
                arguments: argparse.Namespace | None = None) -> GatewayConfig:
    """Environment first, flags over it; raises ConfigError naming the bad setting."""
    values = {key.removeprefix(PREFIX): value for key, value in
              (os.environ if environ is None else environ).items() if key.startswith(PREFIX)}
    if arguments is not None:
        values.update({key: value for key, value in vars(arguments).items()
                       if key.isupper() and value is not None})

    def text(name: str, default: str = "") -> str:
        return values.get(name, default).strip()

    gateway_id = text("ID")
    if not gateway_id:
        raise ConfigError(f"{PREFIX}ID (--id) is required: this gateway's code")
    control_url = _url("CONTROL_URL", text("CONTROL_URL", "http://127.0.0.1:8000"))
    tls = {name: _path(name, text(name)) for name in ("TLS_CERT", "TLS_KEY", "TLS_CLIENT_CA")}
    if tls["TLS_CERT"] is None and (tls["TLS_KEY"] or tls["TLS_CLIENT_CA"]):
        raise ConfigError(f"{PREFIX}TLS_KEY/TLS_CLIENT_CA need {PREFIX}TLS_CERT")
    config = GatewayConfig(
        gateway_id=gateway_id, token=_token(values),
        host=text("HOST", "127.0.0.1"), port=_port("PORT", text("PORT", "8080")),
        admin_host=text("ADMIN_HOST", "127.0.0.1"),
        admin_port=_port("ADMIN_PORT", text("ADMIN_PORT", "8081")),
        control_url=control_url,
        data_dir=Path(text("DATA_DIR", "var/gateway")),
        poll_seconds=_seconds("POLL_SECONDS", text("POLL_SECONDS", "5")),
        heartbeat_seconds=_seconds("HEARTBEAT_SECONDS", text("HEARTBEAT_SECONDS", "10")),
        ship_seconds=_seconds("SHIP_SECONDS", text("SHIP_SECONDS", "1")),
        problem_base_url=text("PROBLEM_BASE_URL") or control_url,
        tls_cert=tls["TLS_CERT"], tls_key=tls["TLS_KEY"], tls_client_ca=tls["TLS_CLIENT_CA"])
    config.ssl_context()  # fail now, not at the first connection
    return config


def _token(values: Mapping[str, str]) -> str:
    token = values.get("TOKEN", "").strip()
    file_name = values.get("TOKEN_FILE", "").strip()
    if file_name:
        try:
            token = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"{PREFIX}TOKEN_FILE: cannot read {file_name}: "
                              f"{error.strerror}") from error
    if not token:
        raise ConfigError(f"{PREFIX}TOKEN_FILE (--token-file) or {PREFIX}TOKEN is required: "
                          "the gateway token issued by the control plane")
    if not token.startswith(GATEWAY_TOKEN_PREFIX):
        raise ConfigError(f"the gateway token must start with {GATEWAY_TOKEN_PREFIX!r}")
    return token


def _port(name: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ConfigError(f"{PREFIX}{name}: {value!r} is not a port number (0-65535)")
    return port


def _seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise ConfigError(f"{PREFIX}{name}: {value!r} is not a number of seconds (0-3600]")
    return seconds


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{PREFIX}{name}: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _path(name: str, value: str) -> Path | None:
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise ConfigError(f"{PREFIX}{name}: no such file {value}")
    return path


def parse_flags(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m govhub_gateway run")
    add_arguments(parser)
    return parser.parse_args(argv)
