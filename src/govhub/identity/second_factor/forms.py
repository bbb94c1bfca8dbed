"""Forms of the second factor: a code from an authenticator app, a backup code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={
            # WHATWG autofill "one-time-code": phones offer the code from the app or an SMS.
            "autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none",
            "spellcheck": "false"}),
    )


class BackupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Backup code"), max_length=24,
        help_text=_("One of the ten codes you saved when you set up the second factor, "
                    "for example 4k7mq-x2b9c. Each works once."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none",
                                      "spellcheck": "false"}),
    )
