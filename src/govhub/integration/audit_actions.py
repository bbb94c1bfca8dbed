"""The audit verbs of the integration hub, beyond the kernel's create/update/delete;
registered from ``IntegrationConfig.ready`` (kernel.audit_actions)."""

from django.db import models
from django.utils.translation import pgettext_lazy


class IntegrationAction(models.TextChoices):
    # A service description imported from an OpenAPI or WSDL document.
    IMPORT = "import", pgettext_lazy("audit action", "Import")
