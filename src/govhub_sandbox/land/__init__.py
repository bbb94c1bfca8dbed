"""Sandbox land registry ("Hệ thống thông tin đất đai" of Cà Mau's Department of Agriculture
and Environment), REST behind the integration hub.

- ``GET /parcels?commune_code=…&sheet=…&parcel=…``: search by map sheet and parcel number.
- ``GET /parcels/{parcel_id}`` (``?include_owner=true`` adds the owners: personal data) and
  ``GET /parcels/{parcel_id}/planning``.
- ``GET /openapi.json``, ``GET /health``; ``/_faults`` and ``/_requests``.

Start it with ``python -m govhub_sandbox.land --port 8094``. It imports nothing from govhub.
"""

from govhub_sandbox.land.app import ENDPOINTS, create_app

__all__ = ["ENDPOINTS", "create_app"]
