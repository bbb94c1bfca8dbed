"""Sandbox tourism events of Cà Mau (Sở Văn hóa, Thể thao và Du lịch), REST behind the
integration hub: festivals and events between two dates.

- ``GET /events?from=YYYY-MM-DD&to=YYYY-MM-DD``.
- ``GET /openapi.json``, ``GET /health``; ``/_faults`` and ``/_requests``.

Start it with ``python -m govhub_sandbox.tourism --port 8097``. It imports nothing from
govhub.
"""

from govhub_sandbox.tourism.app import ENDPOINTS, create_app
from govhub_sandbox.tourism.events import Calendar

__all__ = ["ENDPOINTS", "Calendar", "create_app"]
