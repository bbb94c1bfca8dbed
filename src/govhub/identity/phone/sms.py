"""Sending SMS through a registered brand name (at most 11 characters, 3GPP TS 23.040 §9.1.2.5).

:class:`SmsSender` is the interface; :func:`sms_sender` picks the implementation named by
``settings.GOVHUB_SMS["BACKEND"]`` (``GOVHUB_SMS_BACKEND``):

- ``http``: :class:`BrandnameGatewaySender`, JSON over HTTP to a brandname gateway (the
  sandbox in ``govhub_sandbox.sms`` speaks the same API);
- ``locmem``: :class:`LocmemSender`, which keeps messages in :data:`outbox` (tests, and a
  laptop without a gateway), like Django's locmem e-mail backend.

Many brandname routes accept only unaccented text (GSM-7: one segment is 160 characters,
against 70 for Vietnamese with diacritics in UCS-2), so messages are folded to ASCII unless
``GOVHUB_SMS_ACCENTED`` is set.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

from govhub.identity.people.phone_numbers import international
from govhub.kernel import outbound_http

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message was not accepted by the provider. ``retryable``: a later attempt may work
    (timeout, outage); otherwise the request itself was refused (configuration, number)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send ``text`` to ``phone`` (national form ``0xxxxxxxxx``); the provider's message
        id. Raises :class:`SmsError`."""
        ...


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    phone: str
    text: str


# The locmem backend's messages, newest last (tests read and clear it).
outbox: list[SentMessage] = []


class LocmemSender:
    def send(self, phone: str, text: str) -> str:
        message = SentMessage(uuid.uuid4().hex, phone, text)
        outbox.append(message)
        return message.message_id


@dataclass
class BrandnameGatewaySender:
    """``POST url`` with ``{"brandname", "phone", "message", "request_id"}``; a 2xx answer
    carries ``message_id``. ``phone`` is ``84xxxxxxxxx``. The request id lets the gateway
    drop a duplicate if a retried request was in fact delivered."""

    url: str | None
    brandname: str
    timeout_seconds: float = 5.0
    api_key: str | None = field(default=None, repr=False)

    def send(self, phone: str, text: str) -> str:
        if not self.url:
            logger.error("GOVHUB_SMS_GATEWAY_URL is not set: cannot send SMS")
            raise SmsError("The SMS gateway is not configured.", retryable=False)
        request_id = uuid.uuid4().hex
        body = {"brandname": self.brandname, "phone": international(phone), "message": text,
                "request_id": request_id}
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            # A POST is never repeated by the client (the gateway may have taken it); the
            # person asks for a new code instead.
            with outbound_http.session(read_timeout_seconds=self.timeout_seconds) as http:
                response = http.post(self.url, json=body, headers=headers,
                                     allow_redirects=False)
            if response.status_code >= 400:
                logger.warning("SMS gateway refused request %s: HTTP %s %s", request_id,
                               response.status_code, response.text[:500])
                # 429 and 5xx are the gateway's trouble; other 4xx are ours (a bad brand
                # name…).
                raise SmsError(f"SMS gateway answered HTTP {response.status_code}.",
                               retryable=response.status_code == 429
                               or response.status_code >= 500)
            answer = response.json() if response.content else {}
        except outbound_http.Timeout as error:
            logger.warning("SMS gateway timed out after %ss (request %s)",
                           self.timeout_seconds, request_id)
            raise SmsError("SMS gateway timed out.", retryable=True) from error
        except (outbound_http.OutboundHttpError, ValueError) as error:
            logger.warning("SMS gateway unreachable (request %s): %s", request_id, error)
            raise SmsError("SMS gateway unreachable.", retryable=True) from error
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not isinstance(message_id, str) or not message_id:
            logger.warning("SMS gateway answer without message_id (request %s)", request_id)
            raise SmsError("SMS gateway answer without a message id.", retryable=True)
        return message_id


def is_configured() -> bool:
    """Whether codes can be sent at all (production sets GOVHUB_SMS_GATEWAY_URL)."""
    config = settings.GOVHUB_SMS
    return config["BACKEND"] == "locmem" or bool(config["GATEWAY_URL"])


def sms_sender() -> SmsSender:
    config: dict[str, Any] = settings.GOVHUB_SMS
    backend = config["BACKEND"]
    if backend == "locmem":
        return LocmemSender()
    if backend == "http":
        return BrandnameGatewaySender(
            url=config.get("GATEWAY_URL"), brandname=config["BRANDNAME"],
            timeout_seconds=float(config.get("TIMEOUT_SECONDS", 5.0)),
            api_key=config.get("API_KEY"),
        )
    raise SmsError(f"Unknown GOVHUB_SMS_BACKEND {backend!r}.", retryable=False)


def fold_to_ascii(text: str) -> str:
    """Vietnamese without diacritics: "Mã xác thực" → "Ma xac thuc" (đ/Đ have no
    decomposition, so they are mapped by hand)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sign_in_code_text(code: str, ttl_minutes: int) -> str:
    """The SMS carrying a sign-in code. Always Vietnamese: it goes to a Vietnamese phone
    whatever language the web page was in."""
    config: dict[str, Any] = settings.GOVHUB_SMS
    text = (f"Mã xác thực {config['SERVICE_NAME']} của bạn là {code}. "
            f"Hết hạn sau {ttl_minutes} phút. Không chia sẻ mã này cho bất kỳ ai.")
    return text if config.get("ACCENTED") else fold_to_ascii(text)
