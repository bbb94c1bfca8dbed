"""Sandbox hydro-meteorological station of Cà Mau ("Đài Khí tượng Thủy văn tỉnh Cà Mau"),
REST behind the integration hub: forecasts per commune and the disaster warnings in force.

- ``GET /forecast?commune_code=``, ``GET /alerts[?commune_code=]``.
- ``GET /openapi.json``, ``GET /health``; ``/_faults`` and ``/_requests``.

Start it with ``python -m govhub_sandbox.weather --port 8096``. It imports nothing from
govhub.
"""

from govhub_sandbox.weather.app import ENDPOINTS, create_app
from govhub_sandbox.weather.forecast import Station

__all__ = ["ENDPOINTS", "Station", "create_app"]
