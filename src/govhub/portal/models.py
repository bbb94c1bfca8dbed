"""The citizen app's data: the catalog of mini-apps, what users say about them,
their notification settings, and adoption counted only as aggregates."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from govhub.identity.kinds import AgencyKind
from govhub.kernel.models import BaseModel


class Category(models.TextChoices):
    PUBLIC_SERVICES = "public_services", _("Public services")
    AGRICULTURE = "agriculture", _("Agriculture")
    LAND = "land", _("Land")
    TOURISM = "tourism", _("Tourism")
    ECOMMERCE = "ecommerce", _("E-commerce")
    EWALLET = "ewallet", _("E-wallets")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    CITIZENS = "citizens", _("Citizens")
    OFFICIALS = "officials", _("Officials")
    ROLES = "roles", _("Holders of specific roles")


class Kind(models.TextChoices):
    INTERNAL = "internal", _("Page of this app")
    WEB = "web", _("Web mini-app (single sign-on)")
    NATIVE = "native", _("Native app (deep link, store fallback)")
    EXTERNAL = "external", _("External link")


class LoginLevel(models.IntegerChoices):
    NONE = 0, _("No sign-in")
    SIGNED_IN = 1, _("Signed in")
    VNEID_LEVEL_2 = 2, _("VNeID level 2")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    MAINTENANCE = "maintenance", _("Under maintenance")
    COMING_SOON = "coming_soon", _("Coming soon")
    HIDDEN = "hidden", _("Hidden")


class MiniApp(BaseModel):
    """One entry of the catalog: data, not code (docs/vietnam.md, the citizen app)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    icon = models.CharField(_("icon (static path)"), max_length=200, blank=True,
                            help_text=_("For example portal/apps/vnedu.svg."))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices,
                                default=Audience.EVERYONE)
    role_codes = models.CharField(_("role codes"), max_length=300, blank=True,
                                  help_text=_("Space-separated; used when the audience is "
                                              "holders of specific roles."))
    communes = models.ManyToManyField(
        "identity.Agency", verbose_name=_("communes where it applies"), blank=True,
        related_name="+", limit_choices_to={"kind__in": AgencyKind.local_government()},
        help_text=_("Empty: the whole province."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    url = models.CharField(_("address"), max_length=500, blank=True,
                           help_text=_("Page path, web address or deep link."))
    android_package = models.CharField(_("Android package"), max_length=200, blank=True)
    app_store_url = models.URLField(_("App Store address"), blank=True)
    login_level = models.PositiveSmallIntegerField(_("sign-in required"),
                                                   choices=LoginLevel.choices,
                                                   default=LoginLevel.NONE)
    scopes = models.CharField(_("data it receives"), max_length=300, blank=True,
                              help_text=_("OpenID Connect scopes, space-separated."))
    owner = models.ForeignKey("identity.Agency", verbose_name=_("owning unit"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    support_contact = models.CharField(_("support contact"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.ACTIVE)
    maintenance_notice = models.CharField(_("maintenance notice"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_featured = models.BooleanField(_("featured"), default=False)

    class Meta:
        ordering = ["order", "name_vi"]
        verbose_name = _("mini-app")
        verbose_name_plural = _("mini-apps")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="maintenance") | ~Q(maintenance_notice=""),
                name="maintenance_has_notice",
                violation_error_message=_("A mini-app under maintenance needs a notice."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_vi

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_vi

    @property
    def description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description_vi

    @property
    def is_openable(self) -> bool:
        return self.status == Status.ACTIVE and bool(self.url)

    @property
    def role_code_list(self) -> list[str]:
        return self.role_codes.split()


class Rating(BaseModel):
    """One person's rating (1 to 5 stars) of the app itself (``mini_app`` empty) or of a mini-app;
    editable, never duplicated."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"),
                                on_delete=models.CASCADE, related_name="+")
    mini_app = models.ForeignKey(MiniApp, verbose_name=_("mini-app"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["account", "mini_app"],
                                    condition=Q(mini_app__isnull=False),
                                    name="one_rating_per_mini_app"),
            models.UniqueConstraint(fields=["account"], condition=Q(mini_app__isnull=True),
                                    name="one_rating_of_the_app"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5),
                                   name="stars_one_to_five"),
        ]

    def __str__(self) -> str:
        rated = self.mini_app or _("the app")
        return f"{self.stars}★ {rated}"


class Channel(models.TextChoices):
    PUSH = "push", _("Push notifications")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    ZALO = "zalo", _("Zalo")


class Topic(models.TextChoices):
    SCHEDULES = "schedules", _("Leaders' schedules")
    REPORTS = "reports", _("My field reports")
    ALERTS = "alerts", _("Weather and disaster alerts")
    SERVICES = "services", _("Public service results")
    NEWS = "news", _("Province news")


class NotificationPreference(BaseModel):
    """Which channels and topics a person wants; delivery comes with the notifications
    issue, which reads these."""

    account = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"),
                                   on_delete=models.CASCADE, related_name="+")
    channels = models.JSONField(_("channels"), default=list)
    topics = models.JSONField(_("topics"), default=list)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.account)


class PushDevice(BaseModel):
    """Push on or off for one device of a person (a random id the device keeps in local
    storage). The subscription itself (RFC 8030/8291) arrives with notifications."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"),
                                on_delete=models.CASCADE, related_name="+")
    device_id = models.CharField(_("device"), max_length=64)
    is_enabled = models.BooleanField(_("push enabled"), default=False)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("push device")
        verbose_name_plural = _("push devices")
        constraints = [models.UniqueConstraint(fields=["account", "device_id"],
                                               name="one_push_setting_per_device")]

    def __str__(self) -> str:
        return f"{self.account} · {self.device_id[:8]}"


class AdoptionDaily(models.Model):
    """Counts per commune (empty: unknown or not signed in) and day — nothing else. No user
    id, no device id: small counts identify people, so only aggregates are published."""

    id = models.BigAutoField(primary_key=True)
    commune = models.ForeignKey("identity.Agency", verbose_name=_("commune"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    installs = models.PositiveIntegerField(_("installs"), default=0)
    standalone_launches = models.PositiveIntegerField(_("launches from the home screen"),
                                                      default=0)
    active_users = models.PositiveIntegerField(_("active signed-in users"), default=0)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("adoption per day")
        verbose_name_plural = _("adoption per day")
        constraints = [
            models.UniqueConstraint(fields=["commune", "date"], name="one_row_per_commune_day"),
            models.UniqueConstraint(fields=["date"], condition=Q(commune__isnull=True),
                                    name="one_unknown_commune_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.commune or '—'} {self.date:%d/%m/%Y}"


class ActiveMark(models.Model):
    """"This person was already counted today": an HMAC of the account id under a key that
    exists only for that day, so marks of different days cannot be linked; deleted the
    next day (privacy choice in ADR 0014)."""

    id = models.BigAutoField(primary_key=True)
    date = models.DateField()
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "digest"],
                                               name="one_mark_per_day")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"


class CardKind(models.TextChoices):
    PRICES = "prices", _("Farm market prices")
    WEATHER = "weather", _("Weather and disaster warnings")
    EVENTS = "events", _("Festivals and events")


class HubCard(models.Model):
    """The last good answer behind one home-screen card, fetched through the integration hub
    for everyone. Reference data only, the same for everyone (exchange contract §6; personal
    data is never kept here, Law 91/2025). In the database so every web process shows the
    same answer and a restart does not empty the home page."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("card"), max_length=16, choices=CardKind.choices, unique=True)
    payload = models.JSONField(_("last good answer"), default=dict)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("last refresh failed at"), null=True, blank=True)
    failure = models.CharField(_("why the last refresh failed"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hub card")
        verbose_name_plural = _("hub cards")

    def __str__(self) -> str:
        return self.kind

    @property
    def last_refresh_failed(self) -> bool:
        return self.failed_at is not None and (self.fetched_at is None
                                               or self.failed_at >= self.fetched_at)
