"""The integration hub's API under /api/integration/ (thin django-ninja router)."""

from ninja import Router

router = Router(tags=["integration"])
