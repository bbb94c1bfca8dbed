"""The admin site and its modules. Django's admin autodiscovery imports this package; importing
each module registers its model admins on :data:`govhub.identity.admin.site.site`."""

from govhub.identity.admin import accounts, sso  # noqa: F401
