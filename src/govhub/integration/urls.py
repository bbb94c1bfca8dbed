"""Non-API pages of the integration hub (none yet besides the admin)."""

urlpatterns: list = []
