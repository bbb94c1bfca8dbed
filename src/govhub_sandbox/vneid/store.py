"""In-memory state of the provider: pending login pages, authorization codes, access tokens
and browser sessions. A sandbox keeps nothing across restarts; every entry expires.

All handlers run on one asyncio event loop, so plain dicts need no locks.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from govhub_sandbox.vneid.config import Citizen

Clock = Callable[[], float]


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization request that passed validation (OIDC Core §3.1.2.2), waiting for the
    citizen's choice on the login page."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None  # S256 only (RFC 7636 §4.3)
    expires_at: float
    max_age: int | None = None  # OIDC Core §3.1.2.1: re-authenticate if older than this
    force_login: bool = False  # prompt=login: do not offer the existing session
    acr_values: tuple[str, ...] = ()  # OIDC Core §3.1.2.1: the levels asked for, preferred first


@dataclass
class AuthorizationCode:
    request: AuthorizationRequest
    citizen: Citizen
    auth_time: int
    expires_at: float
    is_spent: bool = False
    access_tokens: list[str] = field(default_factory=list)
    sid: str | None = None  # the session's public id, the ID token's sid claim


@dataclass(frozen=True)
class AccessToken:
    client_id: str
    citizen: Citizen
    scopes: tuple[str, ...]
    auth_time: int
    expires_at: float


@dataclass(frozen=True)
class Session:
    """The citizen signed in at the sandbox (its cookie), for prompt=none and logout."""

    citizen: Citizen
    auth_time: int
    expires_at: float
    # The ``sid`` claim (Back-Channel Logout 1.0 §2.1): public, unlike the cookie's value.
    public_id: str = field(default_factory=lambda: new_secret())


def new_secret() -> str:
    # 256 bits: RFC 6749 §10.10 asks that codes and tokens be infeasible to guess.
    return secrets.token_urlsafe(32)


class Store:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.login_pages: dict[str, AuthorizationRequest] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.sessions: dict[str, Session] = {}
        # Session public id → the clients given a code in it, for back-channel logout.
        self.session_clients: dict[str, set[str]] = {}

    def _prune(self) -> None:
        now = self.clock()
        for table in (self.login_pages, self.codes, self.access_tokens, self.sessions):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]

    def add_login_page(self, request: AuthorizationRequest) -> str:
        self._prune()
        transaction_id = new_secret()
        self.login_pages[transaction_id] = request
        return transaction_id

    def login_page(self, transaction_id: str) -> AuthorizationRequest | None:
        request = self.login_pages.get(transaction_id)
        return request if request and request.expires_at > self.clock() else None

    def add_code(self, code: AuthorizationCode) -> str:
        self._prune()
        value = new_secret()
        self.codes[value] = code
        return value

    def code(self, value: str) -> AuthorizationCode | None:
        """The code if it exists and has not expired (spent codes included: see token)."""
        code = self.codes.get(value)
        return code if code and code.expires_at > self.clock() else None

    def add_access_token(self, token: AccessToken) -> str:
        self._prune()
        value = new_secret()
        self.access_tokens[value] = token
        return value

    def access_token(self, value: str) -> AccessToken | None:
        token = self.access_tokens.get(value)
        return token if token and token.expires_at > self.clock() else None

    def revoke_access_tokens(self, values: list[str]) -> None:
        for value in values:
            self.access_tokens.pop(value, None)

    def add_session(self, session: Session) -> str:
        self._prune()
        sid = new_secret()
        self.sessions[sid] = session
        return sid

    def session(self, sid: str | None) -> Session | None:
        session = self.sessions.get(sid) if sid else None
        return session if session and session.expires_at > self.clock() else None

    def end_session(self, sid: str | None) -> Session | None:
        """Ends the session; returns it if it was still open."""
        session = self.session(sid)
        if sid:
            self.sessions.pop(sid, None)
        return session
