"""The audit verbs of the identity context, beyond the kernel's create/update/delete;
registered from ``IdentityConfig.ready`` (kernel.audit_actions). The stored strings are those
written before the verbs moved here, so older entries read the same."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityAction(models.TextChoices):
    GRANT = "grant", _("Grant role")
    REVOKE = "revoke", _("Revoke role")
    SET_PASSWORD = "set_password", _("Set password")
    SIGN_IN = "sign_in", _("Sign in")
    SIGN_OUT = "sign_out", _("Sign out")
    GIVE_CONSENT = "give_consent", _("Give consent")
    WITHDRAW_CONSENT = "withdraw_consent", _("Withdraw consent")
