"""Admin forms. They keep what was typed and say, next to the field, what is wrong; the
scope check repeats the service's rule so the answer is a message, not a 403 page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from govhub.identity.models import Account, AccountKind, Agency, RoleAssignment
from govhub.identity.people import personal_id, roles
from govhub.identity.people.access import access_for
from govhub.kernel.actors import Actor


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

    def __init__(self, *args: Any, actor: Actor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_personal_id_number(self) -> str:
        raw = self.cleaned_data.get("personal_id_number", "")
        if raw:
            try:
                personal_id.normalise(raw)
            except forms.ValidationError as error:
                # normalise() names the API's field ("personal_id"); a clean_<field> method
                # must raise a plain error, or Django's add_error raises TypeError (a 500).
                raise forms.ValidationError(error.messages, code="invalid_personal_id") from error
            owner = Account.objects.filter(personal_id_digest=personal_id.digest(raw))
            if owner.exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError(
                    _("This personal identification number belongs to another account."),
                    code="duplicate_personal_id")
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


class RoleAssignmentAdminForm(forms.ModelForm):
    """Says next to the field why a grant is refused (the service enforces the same rules)."""

    class Meta:
        model = RoleAssignment
        fields = ["account", "role", "agency", "valid_until"]

    def __init__(self, *args: Any, actor: Actor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        access = access_for(self.actor)
        account, role = cleaned.get("account"), cleaned.get("role")
        if access.covers_everything(roles.MANAGE_ROLES):
            return cleaned
        if account is not None and account.pk == getattr(self.actor, "pk", None):
            self.add_error("account", _("You cannot grant a role to yourself."))
        if role is not None and role.is_global:
            self.add_error("role", _("Only a platform administrator can grant this role."))
        return cleaned
