"""Sandbox SMS gateway: a small, standalone stand-in for a Vietnamese brandname SMS gateway,
for govhub's demo and tests. Never for production: it sends nothing to any phone.

- ``POST /api/sms/send``: JSON ``{"brandname", "phone", "message", "request_id"}``; checks
  the brand name (registered, at most 11 characters), the phone (a Vietnamese mobile
  number), the message (GSM-7 or UCS-2, counted in segments of 160/153 or 70/67
  characters); a repeated ``request_id`` is not sent twice.
- ``GET /``: the outbox page (Vietnamese), latest messages per phone, reloading itself.
- ``GET /_sandbox/messages?phone=…``: the same as JSON (tests read codes from it);
  ``DELETE`` empties it.
- ``/_sandbox/faults``: make the send API slow or answer 503.

Start it with ``python -m govhub_sandbox.sms --port 8091``, or in-process with
``govhub_sandbox.serving.start_in_thread(create_app(config))``. It imports nothing from
govhub: it is the outside world.
"""

from govhub_sandbox.sms.app import create_app
from govhub_sandbox.sms.config import ConfigError, GatewayConfig

__all__ = ["ConfigError", "GatewayConfig", "create_app"]
