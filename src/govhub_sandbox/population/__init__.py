"""Sandbox national population database ("Cơ sở dữ liệu quốc gia về dân cư") as the national
data-exchange platform exposes it: SOAP 1.1 with the X-Road message protocol 4.0 header.

- ``POST /``: ``TraCuuThongTinCongDan`` (number + name → the citizen's record) and
  ``XacThucThongTinCongDan`` (number + name + date of birth → ``KetQua`` true/false).
- ``GET /?wsdl``: the WSDL 1.1 (document/literal), its address this server's own URL.
- ``GET /health``; ``/_faults`` and ``/_requests`` (see ``govhub_sandbox.upstream_kit``).

Start it with ``python -m govhub_sandbox.population --port 8093``. It imports nothing from
govhub: it is the outside world.
"""

from govhub_sandbox.population.app import ENDPOINTS, create_app
from govhub_sandbox.population.citizens import CITIZENS, Citizen, Registry

__all__ = ["CITIZENS", "ENDPOINTS", "Citizen", "Registry", "create_app"]
