"""Sandbox market prices ("Giá nông sản" of Cà Mau's agriculture database), REST behind the
integration hub: shrimp by size, crab, paddy and rice, in VND per kg, by market and day.

- ``GET /prices?commodity=&market=&date=``, ``GET /prices/latest``, ``GET /commodities``.
- ``GET /openapi.json``, ``GET /health``; ``/_faults`` and ``/_requests``.

Start it with ``python -m govhub_sandbox.agriculture --port 8095``. It imports nothing from
govhub.
"""

from govhub_sandbox.agriculture.app import ENDPOINTS, create_app
from govhub_sandbox.agriculture.prices import PriceBook

__all__ = ["ENDPOINTS", "PriceBook", "create_app"]
