from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from govhub.identity.kinds import AccountKind, AgencyKind, AssuranceLevel
from govhub.kernel.models import BaseModel

# Decision 20/2020/QĐ-TTg: the electronic identification code of an agency reads
# "000.00.00.H12" — three groups of digits by level, then the province/ministry code.
ELECTRONIC_ID_CODE = RegexValidator(
    r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$",
    _("Format: 000.00.00.H12 (Decision 20/2020/QĐ-TTg)."),
)
# Vietnamese mobile numbers: 10 digits starting with 0 (or +84 and 9 digits).
PHONE = RegexValidator(r"^(0|\+84)\d{9}$", _("Enter a Vietnamese phone number, e.g. 0912345678."))


class Agency(BaseModel):  # type: ignore[django-manager-missing]  # swappable Client
    """A node of the organisation tree: province → People's Committee, office, departments,
    their units; communes and wards. ``path`` is a materialised path of ids so "this agency
    and everything under it" is one indexed prefix query."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent agency"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=1024, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    electronic_id_code = models.CharField(
        _("electronic identification code"), max_length=13, unique=True, null=True,
        blank=True, validators=[ELECTRONIC_ID_CODE],
    )
    admin_unit_code = models.CharField(
        _("administrative unit code"), max_length=10, unique=True, null=True, blank=True,
        help_text=_("Official code of the province or commune (national statistics office)."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    @property
    def is_commune(self) -> bool:
        return self.kind in AgencyKind.local_government()


class AccountManager(BaseUserManager["Account"]):
    def get_by_natural_key(self, username: str | None) -> Account:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class Account(AbstractBaseUser, BaseModel):  # type: ignore[django-manager-missing]
    """One account model for officials and citizens (AUTH_USER_MODEL from migration 0001).

    The personal identification number (số định danh cá nhân) is personal data
    (Law 91/2025/QH15): stored only encrypted, found by a keyed digest, shown as its last
    digits. See govhub.identity.people.personal_id.
    """

    username = models.CharField(
        _("username"), max_length=150, unique=True, validators=[UnicodeUsernameValidator()]
    )
    full_name = models.CharField(_("full name"), max_length=200)
    kind = models.CharField(_("account type"), max_length=16, choices=AccountKind.choices,
                            default=AccountKind.OFFICIAL)
    email = models.EmailField(_("e-mail"), null=True, blank=True, unique=True)
    phone = models.CharField(_("phone"), max_length=12, null=True, blank=True, unique=True,
                             validators=[PHONE])
    # Set when the holder proved the number by an SMS code; cleared when the number changes
    # (OIDC Core §5.1 phone_number_verified).
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True,
                                             editable=False)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency of work"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="accounts",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    commune = models.ForeignKey(
        Agency, verbose_name=_("commune of residence"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="residents",
        limit_choices_to={"kind__in": AgencyKind.local_government()},
    )
    personal_id_digest = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                          editable=False)
    personal_id_ciphertext = models.TextField(blank=True, editable=False)
    personal_id_last_digits = models.CharField(
        _("personal ID (last digits)"), max_length=4, blank=True, editable=False
    )
    assurance_level = models.PositiveSmallIntegerField(
        _("identity assurance level"), choices=AssuranceLevel.choices, default=AssuranceLevel.NONE
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]
    audit_exclude = ("password", "personal_id_digest", "personal_id_ciphertext")

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="citizen") | Q(agency__isnull=False) | Q(is_active=False),
                name="active_official_has_agency",
                violation_error_message=_("An official must belong to an agency."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"

    def clean(self) -> None:
        super().clean()
        # An account's agency decides which administrators manage it; a citizen is managed
        # by the commune they live in, so an agency on a citizen would leak it to another
        # commune's administrators.
        if self.kind == AccountKind.CITIZEN and self.agency_id is not None:
            raise ValidationError({"agency": _("A citizen does not belong to an agency; "
                                               "choose the commune of residence.")})

    @property
    def masked_personal_id(self) -> str:
        return f"••••••••{self.personal_id_last_digits}" if self.personal_id_last_digits else ""


class Role(BaseModel):
    """A named set of permissions. Built-in roles are defined in code
    (:mod:`govhub.identity.people.roles`) and synced after every migrate."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    permissions = models.JSONField(_("permissions"), default=list)
    is_builtin = models.BooleanField(_("built-in"), default=False, editable=False)
    is_global = models.BooleanField(
        _("platform-wide"), default=False,
        help_text=_("Applies to every agency, wherever it is granted."),
    )
    requires_second_factor = models.BooleanField(_("requires a second factor"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(BaseModel):
    """A role held by an account in an agency; it covers that agency's whole subtree."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="role_assignments")
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT,
                             related_name="assignments")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT,
                               related_name="role_assignments")
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(Account, verbose_name=_("granted by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["agency__path", "role__name"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["account", "role", "agency"],
                                    name="one_assignment_per_role_and_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.role} — {self.agency} — {self.account.full_name}"


# --- Single sign-on -------------------------------------------------------------------------

class Client(AbstractApplication):
    """An application that signs people in through govhub (an OpenID Connect relying party)
    or calls the hub as itself (client credentials). Owned by an agency, whose
    administrators manage it. ``skip_authorization`` marks a first-party app: no consent
    screen."""

    agency = models.ForeignKey(Agency, verbose_name=_("owning agency"), on_delete=models.PROTECT,
                               related_name="clients")
    description = models.TextField(_("description"), blank=True)
    support_contact = models.CharField(_("support contact"), max_length=200, blank=True)
    # OpenID Connect Back-Channel Logout 1.0 §2.2: where govhub posts a logout token.
    backchannel_logout_uri = models.URLField(_("back-channel logout URI"), blank=True)
    # Least privilege (Law 91/2025: only the data needed): the scopes this app may ask for,
    # space-separated as in OAuth; a request beyond them is refused with invalid_scope.
    allowed_scopes = models.CharField(
        _("allowed scopes"), max_length=255, default="openid profile",
        help_text=_("Space-separated, from: openid profile email phone commune agency."))

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("client application")
        verbose_name_plural = _("client applications")

    @property
    def is_public(self) -> bool:
        return self.client_type == self.CLIENT_PUBLIC

    @property
    def allowed_scope_list(self) -> list[str]:
        return self.allowed_scopes.split()

    # ID tokens are signed with the current key of identity.SigningKey (rotated by
    # `govhub oidc_keys rotate`), not with a key fixed in settings. The provider's validator
    # (govhub.identity.sso.oidc) hands it to the client before django-oauth-toolkit signs or
    # checks a token with ``jwk_key``: a model does not fetch or create keys itself.
    signing_jwk: Any = None

    @property
    def jwk_key(self) -> Any:
        if self.algorithm == self.RS256_ALGORITHM and self.signing_jwk is not None:
            return self.signing_jwk
        return super().jwk_key


class SigningKey(BaseModel):
    """An RSA key for ID tokens. The newest signs; older ones stay published in the JWKS
    until every token they signed has expired, then they are retired."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    private_key_ciphertext = models.TextField(editable=False)
    deactivated_at = models.DateTimeField(_("stopped signing at"), null=True, blank=True)
    published_until = models.DateTimeField(_("published until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return self.kid


class SignInSession(BaseModel):
    """One sign-in of one account in one browser (the OpenID Connect ``sid``). Ends when the
    user signs out, or an administrator ends it."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="sign_in_sessions")
    sid = models.CharField(max_length=64, unique=True, editable=False)
    session_key = models.CharField(max_length=64, db_index=True, editable=False)
    acr = models.CharField(_("assurance"), max_length=64)
    amr = models.JSONField(_("methods"), default=list)
    authenticated_at = models.DateTimeField(_("signed in at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    # The upstream identity provider's session (its ID token's ``sid``) when the sign-in came
    # through VNeID: its back-channel logout token names this (Back-Channel Logout 1.0 §2.4).
    upstream_sid = models.CharField(max_length=255, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["-authenticated_at"]
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")

    def __str__(self) -> str:
        return f"{self.account} @ {self.authenticated_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ClientSession(BaseModel):
    """A client application that received tokens within a sign-in session: the list that
    logout walks to notify every app (Back-Channel Logout 1.0)."""

    sign_in_session = models.ForeignKey(SignInSession, on_delete=models.CASCADE,
                                        related_name="client_sessions")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    authorization_code = models.CharField(max_length=255, null=True, blank=True, unique=True)
    token_family = models.UUIDField(null=True, blank=True, db_index=True)
    logout_delivered_at = models.DateTimeField(null=True, blank=True)
    logout_attempts = models.PositiveSmallIntegerField(default=0)
    logout_last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]


# --- Second factor --------------------------------------------------------------------------

class AuthenticatorApp(BaseModel):
    """A TOTP generator (RFC 6238) the account holder set up in an authenticator app. One per
    account: setting up a new phone replaces it. The shared secret is kept encrypted
    (:mod:`govhub.identity.second_factor.methods`), never shown again after set-up."""

    account = models.OneToOneField(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                   related_name="authenticator_app")
    secret_ciphertext = models.TextField(editable=False)
    # RFC 6238 §5.2: a code is accepted once. The time step (T) of the last accepted code;
    # codes of this step or an earlier one are refused.
    last_used_step = models.BigIntegerField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    audit_exclude = ("secret_ciphertext",)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return str(_("Authenticator app of %(account)s") % {"account": self.account.username})


class BackupCode(BaseModel):
    """One of the ten single-use recovery codes, stored as a keyed digest only."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="backup_codes")
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    audit_exclude = ("digest",)

    class Meta:
        verbose_name = _("backup code")
        verbose_name_plural = _("backup codes")
        constraints = [
            models.UniqueConstraint(fields=["account", "digest"], name="one_backup_code_digest"),
        ]

    def __str__(self) -> str:
        return str(_("Backup code of %(account)s") % {"account": self.account.username})


class Passkey(BaseModel):
    """A WebAuthn public-key credential (Web Authentication Level 3 §6.4): the private key
    stays in the authenticator; govhub keeps the public key and the signature counter."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="passkeys")
    nickname = models.CharField(_("name"), max_length=100)
    credential_id = models.CharField(max_length=1400, unique=True, editable=False)  # base64url
    public_key = models.BinaryField(editable=False)  # COSE_Key, as the authenticator sent it
    sign_count = models.PositiveBigIntegerField(default=0, editable=False)
    transports = models.JSONField(default=list, blank=True, editable=False)
    # WebAuthn §6.1.3 backup eligibility: a synced ("multi-device") passkey can be copied
    # off the authenticator by its provider, so it counts as a software key (amr "swk").
    is_synced = models.BooleanField(_("synced between devices"), default=False, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    audit_exclude = ("public_key",)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")

    def __str__(self) -> str:
        return self.nickname


class Consent(BaseModel):
    """What a person allowed a third-party app to receive (Law 91/2025). First-party apps
    (``Client.skip_authorization``) need none. Revoking keeps the row, with its date."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="consents")
    client = models.ForeignKey(Client, verbose_name=_("client application"),
                               on_delete=models.CASCADE, related_name="consents")
    scopes = models.JSONField(_("scopes"), default=list)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.account} → {self.client}"

    def covers(self, scopes: list[str]) -> bool:
        return self.revoked_at is None and set(scopes) <= set(self.scopes)
