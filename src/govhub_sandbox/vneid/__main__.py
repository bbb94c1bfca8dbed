"""``python -m govhub_sandbox.vneid --host 127.0.0.1 --port 8090 [--config path.json]``"""

import argparse
import sys
from dataclasses import replace

from aiohttp import web

from govhub_sandbox.vneid.app import create_app
from govhub_sandbox.vneid.config import ConfigError, SandboxConfig, load_config
from govhub_sandbox.vneid.server import base_url, bind, is_loopback, is_unspecified


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m govhub_sandbox.vneid",
        description="Sandbox VNeID: an OpenID Connect provider for govhub's demo and tests.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=8090, help="port (default 8090; 0: any)")
    parser.add_argument("--config", help="JSON configuration file (see example-config.json)")
    parser.add_argument("--issuer", help="issuer URL, if not http://HOST:PORT")
    parser.add_argument("--signing-key", help="PEM file of the RSA signing key "
                                              "(default: a new key at every start)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        config = load_config(arguments.config) if arguments.config else SandboxConfig()
        if arguments.signing_key:
            config = replace(config, signing_key_path=arguments.signing_key)
        if is_unspecified(arguments.host) and not (arguments.issuer or config.issuer):
            raise ConfigError(f"Listening on {arguments.host} names no host: give --issuer "
                              "(the URL clients and browsers reach this provider at).")
        sock = bind(arguments.host, arguments.port)
        config = replace(config, issuer=arguments.issuer or config.issuer or base_url(sock))
        app = create_app(config)
    except (ConfigError, OSError) as error:
        print(f"vneid sandbox: {error}", file=sys.stderr)
        return 2
    if not is_loopback(arguments.host):
        print(f"vneid sandbox: WARNING: listening on {arguments.host}, beyond this machine. "
              "This is a test provider that signs anyone in.", file=sys.stderr)
    print(f"VNeID sandbox: issuer {config.issuer}, "
          f"discovery {config.issuer}/.well-known/openid-configuration", flush=True)
    web.run_app(app, sock=sock, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
