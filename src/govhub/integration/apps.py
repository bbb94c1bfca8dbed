from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "govhub.integration"
    label = "integration"
    verbose_name = _("Integration hub")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from govhub.integration.audit_actions import IntegrationAction
        from govhub.kernel.audit_actions import register_audit_actions

        register_audit_actions(IntegrationAction, owner=self.label)
