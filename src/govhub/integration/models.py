"""The integration hub's registry (X-Road's model with the province's instance fixed, ADR 0013):
members and their systems, providers' services, consumers' credentials, data-sharing
agreements, quotas, the config snapshots published to gateways, the gateways themselves and
the evidence log they ship back. Writes go through ``services``; reads through ``queries``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govhub.kernel.models import BaseModel
from govhub_contracts.snapshot import DataClass, Protocol

# Decision 20/2020/QĐ-TTg: the electronic identification code of an agency (e.g. 000.00.00.H12).
MEMBER_CODE = RegexValidator(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}$",
                             _("Enter an electronic identification code like 000.00.00.H12."))
# A system or service code becomes a segment of /r1/{member}/{system}/{service}/…
CODE = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                      _("Use letters, digits, dot, dash or underscore."))


class Member(BaseModel):
    """An agency taking part in the exchange, named by its electronic identification code.
    A ministry (central member) has no provincial agency."""

    code = models.CharField(_("electronic identification code"), max_length=13, unique=True,
                            validators=[MEMBER_CODE])
    name = models.CharField(_("name"), max_length=255)
    agency = models.ForeignKey("identity.Agency", verbose_name=_("provincial agency"),
                               null=True, blank=True, on_delete=models.PROTECT,
                               related_name="integration_members")
    is_central = models.BooleanField(_("central (ministry) member"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class System(BaseModel):
    """X-Road's subsystem: one information system of a member, provider and/or consumer."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="systems")
    code = models.CharField(_("code"), max_length=64, validators=[CODE])
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    agency = models.ForeignKey("identity.Agency", verbose_name=_("owning agency"),
                               null=True, blank=True, on_delete=models.PROTECT,
                               related_name="integration_systems")

    class Meta:
        ordering = ["member__code", "code"]
        constraints = [models.UniqueConstraint(fields=["member", "code"],
                                               name="integration_system_unique_code")]
        verbose_name = _("system")
        verbose_name_plural = _("systems")

    def __str__(self) -> str:
        return self.client_id

    @property
    def client_id(self) -> str:
        """``{member}/{system}``, as written in the X-Road-Client header."""
        return f"{self.member.code}/{self.code}"

    @property
    def scope_agency(self) -> Any:
        """The agency whose operators manage this system (None: platform-wide only)."""
        return self.agency if self.agency_id else self.member.agency


class Service(BaseModel):
    system = models.ForeignKey(System, verbose_name=_("provider system"),
                               on_delete=models.PROTECT, related_name="services")
    code = models.CharField(_("code"), max_length=64, validators=[CODE])
    version = models.CharField(_("version"), max_length=32, default="v1")
    protocol = models.CharField(_("protocol"), max_length=8, choices=[
        (Protocol.REST.value, "REST"), (Protocol.SOAP.value, "SOAP")], default=Protocol.REST.value)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    agency = models.ForeignKey("identity.Agency", verbose_name=_("owning unit"), null=True,
                               blank=True, on_delete=models.PROTECT,
                               related_name="integration_services")
    support_contact = models.CharField(_("support contact"), max_length=200, blank=True)
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=30.0)
    max_request_bytes = models.PositiveIntegerField(_("max request size (bytes)"),
                                                    default=10 * 1024 * 1024)
    max_response_bytes = models.PositiveIntegerField(_("max response size (bytes)"),
                                                     default=50 * 1024 * 1024)
    log_bodies = models.BooleanField(_("log request and response bodies"), default=False)
    description_document = models.TextField(_("description document"), blank=True)
    description_media_type = models.CharField(_("document media type"), max_length=100,
                                              default="application/json")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["system__member__code", "system__code", "code"]
        constraints = [models.UniqueConstraint(fields=["system", "code"],
                                               name="integration_service_unique_code")]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.service_id

    @property
    def service_id(self) -> str:
        return f"{self.system.client_id}/{self.code}"

    @property
    def scope_agency(self) -> Any:
        return self.agency if self.agency_id else self.system.scope_agency


class Operation(BaseModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="operations")
    code = models.CharField(_("code"), max_length=200)
    method = models.CharField(_("method"), max_length=10, default="GET")
    path = models.CharField(_("path"), max_length=500, blank=True)
    # Law 91/2025: personal and sensitive data are never cached and their access is logged.
    data_class = models.CharField(_("data class"), max_length=16, default=DataClass.REFERENCE,
                                  choices=[(DataClass.REFERENCE.value, _("reference")),
                                           (DataClass.PERSONAL.value, _("personal")),
                                           (DataClass.SENSITIVE.value, _("sensitive"))])
    summary = models.CharField(_("summary"), max_length=500, blank=True)

    class Meta:
        ordering = ["path", "method", "code"]
        constraints = [models.UniqueConstraint(fields=["service", "code"],
                                               name="integration_operation_unique_code")]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")

    def __str__(self) -> str:
        return self.code


class Endpoint(BaseModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="endpoints")
    url = models.URLField(_("URL"), max_length=500)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")

    def __str__(self) -> str:
        return self.url


class MaintenanceWindow(BaseModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="maintenance")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    notice = models.CharField(_("notice"), max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")

    def __str__(self) -> str:
        return f"{self.starts_at:%d/%m/%Y %H:%M} - {self.ends_at:%d/%m/%Y %H:%M}"


class ApiKey(BaseModel):
    """A consumer system's API key ``ghk_{key_id}_{secret}``: only SHA-256(secret) is kept."""

    system = models.ForeignKey(System, verbose_name=_("consumer system"),
                               on_delete=models.PROTECT, related_name="api_keys")
    key_id = models.CharField(_("key id"), max_length=32, unique=True)
    secret_sha256 = models.CharField(max_length=64, editable=False)
    label = models.CharField(_("label"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    audit_exclude = ("secret_sha256",)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.key_id} ({self.label})" if self.label else self.key_id

    def is_usable(self, at: Any = None) -> bool:
        at = at or timezone.now()
        return ((self.revoked_at is None or self.revoked_at > at)
                and (self.expires_at is None or self.expires_at > at))


class OAuthBinding(BaseModel):
    """An identity ``Client`` (client-credentials grant) acting as a consumer system."""

    system = models.ForeignKey(System, verbose_name=_("consumer system"),
                               on_delete=models.PROTECT, related_name="oauth_bindings")
    client = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
                                  verbose_name=_("client application"),
                                  on_delete=models.CASCADE, related_name="integration_binding")

    class Meta:
        verbose_name = _("OAuth client binding")
        verbose_name_plural = _("OAuth client bindings")

    def __str__(self) -> str:
        return f"{self.client} → {self.system}"


class Certificate(BaseModel):
    """Optional mutual TLS: a consumer system's client certificate (RFC 8705 §3 binds by the
    SHA-256 thumbprint of the DER certificate)."""

    system = models.ForeignKey(System, verbose_name=_("consumer system"),
                               on_delete=models.PROTECT, related_name="certificates")
    sha256_fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    not_after = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("client certificate")
        verbose_name_plural = _("client certificates")

    def __str__(self) -> str:
        return self.subject


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    REVOKED = "revoked", _("revoked")


class Agreement(BaseModel):
    """A data-sharing agreement (thỏa thuận chia sẻ dữ liệu). Deny by default: only an approved
    agreement inside its validity window lets a consumer call a service (Decree 194/2025)."""

    consumer = models.ForeignKey(System, verbose_name=_("consumer system"),
                                 on_delete=models.PROTECT, related_name="agreements")
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="agreements")
    operations = models.ManyToManyField(
        Operation, verbose_name=_("operations"), blank=True,
        help_text=_("None selected: every operation of the service."))
    legal_basis = models.TextField(_("legal basis"))
    purpose = models.TextField(_("purpose"))
    fields = models.JSONField(_("data fields"), default=list, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(_("status"), max_length=16, choices=AgreementStatus.choices,
                              default=AgreementStatus.DRAFT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Decree 194/2025: a refusal to share is written, with its reason and legal basis.
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    refusal_legal_basis = models.TextField(_("legal basis for refusal"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")

    def __str__(self) -> str:
        return f"{self.consumer} → {self.service}"

    def is_expired(self, at: Any = None) -> bool:
        return self.valid_until <= (at or timezone.now())


class Quota(BaseModel):
    system = models.OneToOneField(System, verbose_name=_("consumer system"),
                                  on_delete=models.CASCADE, related_name="quota")
    requests = models.PositiveIntegerField(_("requests"))
    per_seconds = models.PositiveIntegerField(_("per (seconds)"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self) -> str:
        return f"{self.system}: {self.requests}/{self.per_seconds}s"


class ConfigSnapshot(models.Model):
    """One published snapshot, immutable: nothing updates or deletes these rows."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    revision = models.CharField(_("revision"), max_length=64)
    # SHA-256 of the document without version, time and revision: "did anything change?"
    content_sha256 = models.CharField(max_length=64, editable=False)
    document = models.JSONField(_("document"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("config snapshot")
        verbose_name_plural = _("config snapshots")

    def __str__(self) -> str:
        return f"v{self.version} ({self.revision[:12]})"


class Gateway(BaseModel):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[CODE])
    name = models.CharField(_("name"), max_length=255)
    token_sha256 = models.CharField(max_length=64, editable=False)
    admin_url = models.URLField(_("admin URL"), blank=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    software_version = models.CharField(_("software version"), max_length=64, blank=True)
    snapshot_version = models.PositiveIntegerField(_("snapshot version"), null=True, blank=True)
    snapshot_revision = models.CharField(_("snapshot revision"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    spooled_evidence = models.PositiveIntegerField(_("spooled evidence"), default=0)
    # The evidence chain as the gateway last reported it (Heartbeat.evidence_head and
    # evidence_shipped): an anchor outside the evidence table, for `govhub evidence verify`.
    evidence_head_sequence = models.PositiveBigIntegerField(
        _("last evidence record written"), null=True, blank=True)
    evidence_head_hash = models.CharField(max_length=64, blank=True)
    evidence_shipped_sequence = models.PositiveBigIntegerField(
        _("last evidence record acknowledged"), null=True, blank=True)
    evidence_shipped_hash = models.CharField(max_length=64, blank=True)
    evidence_reported_at = models.DateTimeField(_("evidence head reported at"), null=True,
                                                blank=True)

    audit_exclude = ("token_sha256",)

    class Meta:
        ordering = ["code"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self) -> str:
        return self.code


class EvidenceRecord(models.Model):
    """One exchange as a gateway recorded it (``govhub_contracts.snapshot.EvidenceRecord``),
    hash-chained per gateway. Append-only: the admin cannot change or delete it."""

    gateway = models.CharField(_("gateway"), max_length=64)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    request_id = models.CharField(_("request id"), max_length=100, db_index=True)
    client = models.CharField(_("consumer"), max_length=200, db_index=True)
    user_id = models.CharField(_("user"), max_length=200, blank=True)
    issue = models.CharField(_("case"), max_length=200, blank=True)
    service = models.CharField(_("service"), max_length=300, db_index=True)
    operation = models.CharField(_("operation"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    status = models.PositiveSmallIntegerField(_("status"))
    fault_origin = models.CharField(_("fault origin"), max_length=32, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    duration_ms = models.FloatField(_("duration (ms)"))
    upstream_ms = models.FloatField(_("upstream (ms)"), null=True, blank=True)
    request_bytes = models.PositiveBigIntegerField(_("request bytes"), default=0)
    response_bytes = models.PositiveBigIntegerField(_("response bytes"), default=0)
    request_sha256 = models.CharField(max_length=64, blank=True)
    response_sha256 = models.CharField(max_length=64, blank=True)
    request_body = models.TextField(null=True, blank=True)
    response_body = models.TextField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["gateway", "sequence"],
                                               name="integration_evidence_unique_sequence")]
        verbose_name = _("evidence record")
        verbose_name_plural = _("evidence log")

    def __str__(self) -> str:
        return f"{self.gateway}#{self.sequence} {self.request_id}"


class EvidenceCheckpoint(models.Model):
    """A signed statement that a gateway's evidence chain held record ``sequence`` with
    ``hash`` at ``signed_at`` (ADR 0016). Kept apart from the records, and signed, so that a
    rewritten or truncated evidence table no longer matches it."""

    gateway = models.CharField(_("gateway"), max_length=64)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key id"), max_length=64)
    signature = models.CharField(max_length=200)  # Ed25519, base64url without padding

    class Meta:
        ordering = ["gateway", "sequence"]
        constraints = [models.UniqueConstraint(fields=["gateway", "sequence"],
                                               name="integration_checkpoint_unique_sequence")]
        verbose_name = _("evidence checkpoint")
        verbose_name_plural = _("evidence checkpoints")

    def __str__(self) -> str:
        return f"{self.gateway}#{self.sequence} @ {self.signed_at:%Y-%m-%d %H:%M:%S}"
