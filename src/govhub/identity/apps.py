from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "govhub.identity"
    label = "identity"
    verbose_name = _("Agencies and accounts")

    def ready(self) -> None:
        from govhub.identity.audit_actions import IdentityAction
        from govhub.kernel.audit_actions import register_audit_actions

        register_audit_actions(IdentityAction, owner=self.label)
        # Framework glue only: the built-in roles are code (govhub.identity.people.roles); after
        # every migrate their rows are brought in line so a new permission reaches them.
        post_migrate.connect(_sync_roles, sender=self)
        # Imported here, not at the top: they import models, which Django loads only after
        # every app's AppConfig (the app registry's rule, not an import cycle).
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from govhub.identity import signals

        user_logged_in.connect(signals.on_logged_in, dispatch_uid="govhub-sign-in")
        user_logged_out.connect(signals.on_logged_out, dispatch_uid="govhub-sign-out")


def _sync_roles(**kwargs: object) -> None:
    # As in ready(): services import models, which are not loaded when this module is.
    from govhub.identity.people.services.grants import sync_builtin_roles

    sync_builtin_roles()
