"""Admin forms. They keep what was typed and say, next to the field, what is wrong; the
scope check repeats the service's rule so the answer is a message, not a 403 page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from govhub.identity import personal_id, roles
from govhub.identity.access import access_for
from govhub.identity.models import Account, AccountKind, Agency


class AccountAdminForm(forms.ModelForm):
    personal_id_number = forms.CharField(
        label=_("Personal identification number"), required=False, max_length=14,
        help_text=_("12 digits. Stored encrypted; only the last 4 digits are shown. "
                    "Leave blank to keep the number on file."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    new_password = forms.CharField(
        label=_("New password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
        help_text=_("At least 10 characters, not a common password. Leave blank to keep "
                    "the current one (or, for a new account, to set none)."),
    )

    class Meta:
        model = Account
        fields = ["username", "full_name", "kind", "email", "phone", "agency", "position",
                  "commune", "assurance_level", "is_active"]

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_personal_id_number(self) -> str:
        raw = self.cleaned_data.get("personal_id_number", "")
        if raw:
            personal_id.normalise(raw)  # raises a field error with the Vietnamese message
        return raw

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        agency: Agency | None = cleaned.get("agency")
        commune: Agency | None = cleaned.get("commune")
        if kind == AccountKind.OFFICIAL and agency is None:
            self.add_error("agency", _("An official must belong to an agency."))
            return cleaned
        scope, field = (agency, "agency") if agency is not None else (commune, "commune")
        access = access_for(self.actor)
        if scope is None:
            if not access.covers_everything(roles.MANAGE_ACCOUNT):
                self.add_error("commune", _("Choose the commune this citizen lives in."))
        elif not access.has(roles.MANAGE_ACCOUNT, scope):
            self.add_error(field, _("You do not manage accounts in this agency."))
        password = cleaned.get("new_password")
        if password:
            try:
                validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("new_password", error)
        return cleaned
