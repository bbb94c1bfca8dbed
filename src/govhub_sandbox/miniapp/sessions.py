"""The mini-app's own sessions: kept in memory on the server, found by a random id in an
HttpOnly, SameSite=Lax cookie. The browser never holds a token; a restart signs everyone out
(a sandbox app; a real one would use a shared store such as Redis)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from govhub_sandbox.miniapp.oidc import LoginRequest

# Distinct from govhub's own cookie names: cookies are scoped by host, not port, so on
# 127.0.0.1 the mini-app and govhub would otherwise overwrite each other's (RFC 6265 §8.5).
COOKIE = "tracuu_phien"
PENDING_LOGIN_SECONDS = 600  # a sign-in left unfinished this long is forgotten
MAX_PENDING_LOGINS = 5  # a few tabs at once; more would let one browser fill the memory


@dataclass
class Person:
    sub: str
    sid: str | None  # govhub's sign-in session, named again by its logout token
    name: str
    id_token: str  # kept for id_token_hint at RP-initiated logout


@dataclass
class Session:
    id: str
    expires: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    person: Person | None = None
    logins: dict[str, LoginRequest] = field(default_factory=dict)


class SessionStore:
    def __init__(self, lifetime_seconds: int) -> None:
        self.lifetime = lifetime_seconds
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is not None and session.expires < time.time():
            del self._sessions[session_id]
            return None
        return session

    def new(self) -> Session:
        self._expire()
        session = Session(secrets.token_urlsafe(32), time.time() + self.lifetime)
        self._sessions[session.id] = session
        return session

    def add_login(self, session: Session, login: LoginRequest) -> None:
        cutoff = time.time() - PENDING_LOGIN_SECONDS
        session.logins = {s: r for s, r in session.logins.items() if r.created > cutoff}
        while len(session.logins) >= MAX_PENDING_LOGINS:
            session.logins.pop(next(iter(session.logins)))
        session.logins[login.state] = login

    def sign_in(self, old: Session, person: Person) -> Session:
        """A new id once signed in, so an id planted before sign-in is worthless (session
        fixation, OWASP ASVS V3.2.1)."""
        self._sessions.pop(old.id, None)
        session = self.new()
        session.person = person
        return session

    def end(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def end_for(self, *, sid: str | None, sub: str | None) -> int:
        """Back-Channel Logout 1.0 §2.7: end the sessions of that govhub sign-in session
        (sid), or, when the token names only the person (sub), all of theirs."""
        ended = [s.id for s in self._sessions.values() if s.person is not None and (
            (sid and s.person.sid == sid) or (not sid and sub and s.person.sub == sub))]
        for session_id in ended:
            del self._sessions[session_id]
        return len(ended)

    def _expire(self) -> None:
        now = time.time()
        for session_id in [k for k, s in self._sessions.items() if s.expires < now]:
            del self._sessions[session_id]


class SeenTokens:
    """Logout token ids (jti) already acted on, kept until the token would expire: §2.6
    lets the app refuse a replayed token."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def first_time(self, jti: str, until: float) -> bool:
        now = time.time()
        self._seen = {k: v for k, v in self._seen.items() if v > now}
        if jti in self._seen:
            return False
        self._seen[jti] = until
        return True
