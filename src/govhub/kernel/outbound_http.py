"""The one way govhub calls out over HTTP (SMS gateways, back-channel logout, VNeID, the hub's
gateways, and the push services, wallets, clinics and schools to come): a ``requests``
session with the platform's rules built in, so no caller writes them again.

- Timeouts always: connect and read from ``settings.GOVHUB_OUTBOUND_HTTP``
  (``CONNECT_TIMEOUT_SECONDS``, ``READ_TIMEOUT_SECONDS``) unless the caller passes its own;
  the read timeout bounds each wait for bytes, not the whole exchange.
- Retries with exponential back-off and jitter (urllib3's ``Retry``) only where repeating is
  harmless: a request that never reached the server (the connection failed), or an
  idempotent method (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, PUT, DELETE, TRACE) that timed out
  reading or got 429/502/503/504. A POST that may have been processed is never repeated
  here: a write that must be delivered is retried by its task (``kernel.task_retry``), which
  knows whether the first one took effect. ``Retry-After`` is honoured up to a bound, so a
  provider cannot park a worker for hours.
- ``X-Request-Id`` on every request: the current web request's id (``kernel.context``), so a
  provider's logs line up with ours, else a fresh one; kept across retries of one call.
- A ``User-Agent`` that names govhub, so a provider knows who is calling.

Callers catch :data:`OutboundHttpError` (the base of every failure) and check the status of
what comes back; ``raise_for_status`` raises :class:`HTTPError`. ``requests`` and
``urllib.request`` are banned elsewhere (ruff TID251 in pyproject.toml).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import requests
from authlib.integrations.django_client import DjangoOAuth2App
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from govhub import __version__
from govhub.kernel import context

REQUEST_ID_HEADER = "X-Request-Id"
USER_AGENT = f"govhub/{__version__} (digital government platform)"
# RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Answers that say "try again later": too many requests (RFC 6585 §4), and a gateway or
# service that is down or overloaded (RFC 9110 §15.6.3-5). A 500 is a fault, not a pause.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
DEFAULTS: Mapping[str, float] = {
    "CONNECT_TIMEOUT_SECONDS": 3.05,  # just above TCP's 3 s initial retransmission timeout
    "READ_TIMEOUT_SECONDS": 10.0,
    "RETRIES": 2,
    "BACKOFF_FACTOR_SECONDS": 0.5,  # 0, 1, 2, 4 … seconds between attempts
    "BACKOFF_JITTER_SECONDS": 0.25,
    "BACKOFF_MAX_SECONDS": 10.0,
    "RETRY_AFTER_MAX_SECONDS": 30.0,
}

OutboundHttpError = requests.RequestException
HTTPError = requests.HTTPError
Timeout = requests.Timeout
Response = requests.Response


def _setting(name: str) -> float:
    configured: Mapping[str, float] = getattr(settings, "GOVHUB_OUTBOUND_HTTP", {})
    return float(configured.get(name, DEFAULTS[name]))


def current_request_id() -> str:
    """The id of the web request being served, else a fresh one (a task, a command)."""
    now = context.current.get()
    return now.request_id if now is not None else uuid.uuid4().hex


def retry_policy(retries: int | None = None) -> Retry:
    """urllib3's ``Retry`` for govhub's rules (module docstring); ``retries=0``: one attempt."""
    count = int(_setting("RETRIES")) if retries is None else retries
    return Retry(
        total=count, connect=count, read=count, status=count, other=0, redirect=None,
        allowed_methods=IDEMPOTENT_METHODS, status_forcelist=RETRY_STATUSES,
        backoff_factor=_setting("BACKOFF_FACTOR_SECONDS"),
        backoff_jitter=_setting("BACKOFF_JITTER_SECONDS"),
        backoff_max=_setting("BACKOFF_MAX_SECONDS"),
        retry_after_max=int(_setting("RETRY_AFTER_MAX_SECONDS")),
        respect_retry_after_header=True,
        # After the last attempt the caller gets the provider's answer, not an exception, so
        # it can read the problem document and decide.
        raise_on_status=False,
    )


class OutboundAdapter(HTTPAdapter):
    """Every request through a session mounted with it gets a timeout, the request id and
    the retry policy."""

    def __init__(self, *, timeout: tuple[float, float], retries: int | None = None) -> None:
        self.default_timeout = timeout
        super().__init__(max_retries=retry_policy(retries))

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        if REQUEST_ID_HEADER not in request.headers:
            request.headers[REQUEST_ID_HEADER] = current_request_id()
        try:
            return super().send(request, stream=stream,
                                timeout=self.default_timeout if timeout is None else timeout,
                                verify=verify, cert=cert, proxies=dict(proxies or {}))
        except requests.ConnectionError as error:
            # requests reports a read timeout as ConnectionError once urllib3 has spent its
            # retries on it, but as ReadTimeout when the method allowed none: one kind here.
            cause = error.args[0] if error.args else None
            if isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError):
                raise requests.ReadTimeout(cause, request=request) from error
            raise


def equip(session: requests.Session, *, connect_timeout_seconds: float | None = None,
          read_timeout_seconds: float | None = None, retries: int | None = None) -> None:
    """Give ``session`` govhub's timeouts, retries, request id and User-Agent."""
    timeout = (connect_timeout_seconds or _setting("CONNECT_TIMEOUT_SECONDS"),
               read_timeout_seconds or _setting("READ_TIMEOUT_SECONDS"))
    adapter = OutboundAdapter(timeout=timeout, retries=retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT


def session(*, connect_timeout_seconds: float | None = None,
            read_timeout_seconds: float | None = None,
            retries: int | None = None) -> requests.Session:
    """A session for one caller; use it as a context manager to close its connections."""
    new = requests.Session()
    equip(new, connect_timeout_seconds=connect_timeout_seconds,
          read_timeout_seconds=read_timeout_seconds, retries=retries)
    return new


class OAuth2ClientSession(OAuth2Session):
    """Authlib's OAuth 2.0 / OpenID Connect client session (a ``requests.Session``) with the
    same rules, for relying parties (``identity.federation``, ``portal.app_sign_in``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        equip(self)


class OAuth2ClientApp(DjangoOAuth2App):
    """Authlib's Django client (``OAuth().register(..., client_cls=OAuth2ClientApp)``) whose
    calls (discovery, JWKS, token, user info) go through :class:`OAuth2ClientSession`."""

    client_cls = OAuth2ClientSession
