"""One structured line per exchange on the ``govhub_gateway.access`` logger.

The fields travel as ``extra={"fields": {...}}``, which the runner's ``JsonFormatter`` merges
into its one-JSON-object-per-line output; nothing is serialised here, and nothing at all is
built when the logger is disabled. The line carries no credentials and no bodies, and not the
user id either: that personal data lives only in the tamper-evident evidence log, where
access to it is itself controlled (Personal Data Protection Law 91/2025: minimise copies).
"""

from __future__ import annotations

import logging

logger = logging.getLogger("govhub_gateway.access")


def write_access_line(*, request_id: str, client: str, service: str, operation: str,
                      status: int, duration_ms: float, fault_origin: str,
                      exchange_id: str = "") -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    logger.info("exchange", extra={"fields": {
        "request_id": request_id, "exchange_id": exchange_id, "client": client,
        "service": service, "operation": operation, "status": status,
        "duration_ms": round(duration_ms, 3), "fault_origin": fault_origin}})
