"""Forms of the integration admin pages that are not a model's own form: they keep what was
typed and show each error next to its field, in Vietnamese."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from govhub.integration.models import ApiKey, Certificate, Gateway, Service


class RefusalForm(forms.Form):
    """Decree 194/2025: a refusal is written with its reason and legal basis, both required."""

    refusal_reason = forms.CharField(
        label=_("Reason for refusal"), widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the reason for refusing.")})
    refusal_legal_basis = forms.CharField(
        label=_("Legal basis for refusal"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Cite the legal basis for refusing.")},
        help_text=_("For example: Clause 2, Article 10, Decree 194/2025/ND-CP."))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("refusal_reason", "refusal_legal_basis"):
            if name in cleaned and not str(cleaned[name]).strip():
                self.add_error(name, self.fields[name].error_messages["required"])
        return cleaned


class ImportForm(forms.Form):
    text = forms.CharField(label=_("Paste the document"), required=False,
                           widget=forms.Textarea(attrs={"rows": 16, "cols": 100}))
    upload = forms.FileField(label=_("or upload a file"), required=False)

    MAX_BYTES = 5 * 1024 * 1024

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError(_("The file is larger than 5 MB."))
            try:
                cleaned["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        if not str(cleaned.get("text", "")).strip():
            raise forms.ValidationError(_("Paste an OpenAPI 3 / WSDL document or upload one."))
        return cleaned


class CertificateForm(forms.ModelForm):
    pem = forms.CharField(label=_("Certificate (PEM)"),
                          widget=forms.Textarea(attrs={"rows": 10, "cols": 80}))

    class Meta:
        model = Certificate
        fields = ("system",)

    def clean_pem(self) -> str:
        from govhub.integration.services.credentials import read_certificate

        pem = str(self.cleaned_data["pem"])
        try:
            read_certificate(pem)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["pem"]) from exc
        return pem


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("system", "label", "expires_at")


class GatewayForm(forms.ModelForm):
    admin_url = forms.URLField(label=_("admin URL"), required=False, assume_scheme="https",
                               help_text=_("Where the control plane pushes "
                                           "“/snapshot/refresh” (optional)."))
    class Meta:
        model = Gateway
        fields = ("code", "name", "admin_url")


class ServiceForm(forms.ModelForm):
    endpoint_urls = forms.CharField(
        label=_("Endpoints"), widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("One URL per line, tried in this order."))

    class Meta:
        model = Service
        fields = ("system", "code", "version", "protocol", "name", "description", "agency",
                  "support_contact", "timeout_seconds", "max_request_bytes",
                  "max_response_bytes", "log_bodies", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["endpoint_urls"] = "\n".join(
                e.url for e in self.instance.endpoints.all())

    def clean_endpoint_urls(self) -> list[str]:
        urls = [line.strip() for line in self.cleaned_data["endpoint_urls"].splitlines()
                if line.strip()]
        validate = URLValidator(schemes=["http", "https"])
        for url in urls:
            try:
                validate(url)
            except forms.ValidationError as exc:
                raise forms.ValidationError(_("Not an http(s) URL: %(url)s")
                                            % {"url": url}) from exc
        if not urls:
            raise forms.ValidationError(_("A service needs at least one endpoint."))
        return urls



class AgreementRequestForm(forms.ModelForm):
    """The checks of ``services.request_agreement`` next to their fields, before saving."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", _("The end must be after the start."))
        service = cleaned.get("service")
        foreign = [o.code for o in cleaned.get("operations") or []
                   if service is not None and o.service_id != service.pk]
        if foreign:
            self.add_error("operations", _("Not operations of this service: %(codes)s")
                           % {"codes": ", ".join(foreign)})
        return cleaned
