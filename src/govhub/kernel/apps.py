from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "govhub.kernel"
    label = "kernel"
    verbose_name = _("System")

    def ready(self) -> None:
        from govhub.kernel.audit_actions import AuditAction, register_audit_actions

        register_audit_actions(AuditAction, owner=self.label)
