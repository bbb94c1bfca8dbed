"""Sandbox VNeID: a small, standalone OpenID Connect provider that stands in for the national
e-ID (VNeID, Ministry of Public Security) as reached through the national public-service
portal's OpenID Connect login, for govhub's demo and tests. Never for production.

- Authorization code flow only (OIDC Core 1.0 §3.1), PKCE S256 (RFC 7636), client_secret_basic
  and client_secret_post (RFC 6749 §2.3.1), RS256 ID tokens, RP-Initiated Logout 1.0.
- User info in VNeID's claim names: ``SoDinhDanh``, ``HoVaTen``, ``NgaySinh``, ``GioiTinh``,
  ``SoDienThoai``, with the assurance level of Decree 69/2024/NĐ-CP (``acr``, ``level``).
- Fault injection on /token and /userinfo (``/_sandbox/faults``).

Start it with ``python -m govhub_sandbox.vneid`` or, in-process, with
``server.start_in_thread(config)``; ``create_app(config)`` gives the aiohttp application.
It imports nothing from govhub: it is the outside world.
"""

from govhub_sandbox.vneid.app import create_app
from govhub_sandbox.vneid.config import (
    Citizen,
    ConfigError,
    EndpointFault,
    RegisteredClient,
    SandboxConfig,
    load_config,
)

__all__ = [
    "Citizen",
    "ConfigError",
    "EndpointFault",
    "RegisteredClient",
    "SandboxConfig",
    "create_app",
    "load_config",
]
