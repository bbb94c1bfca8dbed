"""The aiohttp application: routes, discovery (OIDC Discovery 1.0 §3) and the JWK Set."""

import time

from aiohttp import web

from govhub_sandbox.vneid import backchannel, frontchannel
from govhub_sandbox.vneid.config import SandboxConfig
from govhub_sandbox.vneid.faults import FaultInjector, faults_handler
from govhub_sandbox.vneid.provider import PROVIDER, Provider, json_response
from govhub_sandbox.vneid.store import Clock, Store
from govhub_sandbox.vneid.tokens import SIGNING_ALGORITHM, SigningKey

CLAIMS_SUPPORTED = (
    "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "at_hash", "sid",
    "SoDinhDanh", "HoVaTen", "NgaySinh", "GioiTinh", "SoDienThoai", "level",
)
# Discovery documents and keys are public; browsers-based clients may read them (CORS).
PUBLIC = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}


async def discovery(request: web.Request) -> web.StreamResponse:
    provider = request.app[PROVIDER]
    issuer = provider.issuer(request)
    config = provider.config
    metadata = {
        "issuer": issuer,  # OIDC Discovery §4.3: identical to the URL it was fetched under
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/logout",  # RP-Initiated Logout 1.0 §2.1
        # Back-Channel Logout 1.0 §2.1: ID tokens carry sid for logout tokens to name.
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [SIGNING_ALGORITHM],
        "scopes_supported": list(frontchannel.SUPPORTED_SCOPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],  # RFC 8414 §2, RFC 7636
        "claims_supported": list(CLAIMS_SUPPORTED),
        "acr_values_supported": [config.acr_values[level] for level in sorted(config.acr_values)],
        "prompt_values_supported": ["none", "login"],
        "ui_locales_supported": ["vi"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        # OIDC Discovery §3: this one defaults to true, so say so explicitly.
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,  # RFC 9207 §3
    }
    return json_response(metadata, headers=PUBLIC)


async def jwks(request: web.Request) -> web.StreamResponse:
    return json_response(request.app[PROVIDER].key.jwks(), headers=PUBLIC)


def create_app(config: SandboxConfig | None = None, *,
               clock: Clock = time.time) -> web.Application:
    """The sandbox VNeID provider as an aiohttp application (run it with web.run_app, an
    AppRunner, or ``server.start_in_thread``). ``clock`` lets tests move time forward."""
    config = config or SandboxConfig()
    key = (SigningKey.from_pem_file(config.signing_key_path) if config.signing_key_path
           else SigningKey.generate())
    provider = Provider(config=config, key=key, store=Store(clock),
                        faults=FaultInjector(config.faults), clock=clock)
    app = web.Application()
    app[PROVIDER] = provider
    admin_faults = faults_handler(provider.faults, config.admin_token)
    app.add_routes([
        web.get("/.well-known/openid-configuration", discovery),
        web.get("/jwks", jwks),
        web.get("/authorize", frontchannel.authorize),
        web.post("/authorize", frontchannel.authorize_submit),
        web.post("/token", backchannel.token),
        web.get("/userinfo", backchannel.userinfo),
        web.post("/userinfo", backchannel.userinfo),
        web.get("/logout", frontchannel.logout),
        web.post("/logout", frontchannel.logout),
        web.get("/_sandbox/faults", admin_faults),
        web.post("/_sandbox/faults", admin_faults),
        web.delete("/_sandbox/faults", admin_faults),
    ])
    return app
