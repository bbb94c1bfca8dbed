"""Django settings, derived entirely from :class:`govhub.config.environment.Environment`.

Defaults are production-safe; the demo (``govhub demo``) turns on ``GOVHUB_DEBUG`` and
generates its own secrets under ``var/``. See docs/decisions/0002-configuration-from-environment.md.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from govhub.config.environment import Environment

ENV = Environment()
PACKAGE_DIR = Path(__file__).resolve().parent.parent

if ENV.missing_secrets():
    raise ImproperlyConfigured(ENV.missing_secrets_message())
assert ENV.secret_key is not None
assert ENV.pii_key is not None

DEBUG = ENV.debug
SECRET_KEY = ENV.secret_key.get_secret_value()
GOVHUB_PII_KEY = ENV.pii_key.get_secret_value()
GOVHUB_PUBLIC_URL = ENV.public_url.rstrip("/")
GOVHUB_DATA_DIR = ENV.data_dir.resolve()
GOVHUB_DATA_DIR.mkdir(parents=True, exist_ok=True)
ALLOWED_HOSTS = ENV.allowed_hosts
CSRF_TRUSTED_ORIGINS = ENV.csrf_trusted_origins

INSTALLED_APPS = [
    # First, so its createsuperuser (the first platform administrator, through the accounts
    # service) replaces django.contrib.auth's: the first app with a command name wins.
    "govhub.identity",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI from our own static files: no CDN, CSP stays strict
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "axes",  # brute-force lockout of password sign-in (govhub.identity.sign_in.lockout)
    "govhub.kernel",
    "govhub.integration",
    "govhub.portal",
    "govhub.config",  # last: wires the reactions across contexts (config/subscriptions.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "govhub.kernel.middleware.RequestContextMiddleware",
    "govhub.kernel.middleware.ApiProblemMiddleware",
    # django-axes: last, so it turns a lockout seen anywhere into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govhub.config.urls"
ASGI_APPLICATION = "govhub.config.asgi.application"
WSGI_APPLICATION = "govhub.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------
# Persistent connections (ADR 0017): a web thread keeps its connection between requests and
# checks it before reuse, instead of connecting per request.
DATABASES = {"default": dj_database_url.parse(
    ENV.resolved_database_url, conn_max_age=ENV.database_conn_max_age,
    conn_health_checks=ENV.database_conn_health_checks)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged
    # commit durable across a crash or power loss (nothing acknowledged may be lost).
    # IMMEDIATE transactions take the write lock up front instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.Account"

if ENV.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": ENV.redis_url,
            "KEY_PREFIX": "govhub",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks: Django's task framework (backport); the database backend needs no
# service. docs/decisions/0003-background-tasks.md.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Identity ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes: refuses locked-out clients first
    "govhub.identity.sign_in.lockout.LockoutBackend",
    "govhub.identity.sign_in.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Passwords use Django's PBKDF2 (first entry); machine secrets (client secrets) a single
# salted SHA-256, safe for random 128-character secrets (govhub/identity/hashers.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "govhub.identity.people.hashers.MachineSecretHasher",
]
LOGIN_URL = "login"
# Passkeys are bound to this domain (WebAuthn §5.1.3); unset, the request's host.
GOVHUB_WEBAUTHN_RP_ID = ENV.webauthn_rp_id
LOGIN_REDIRECT_URL = "home"

# --- Single sign-on: govhub is the OpenID Connect provider (django-oauth-toolkit) ----------
# docs/decisions/0009-openid-connect-provider.md
OAUTH2_PROVIDER_APPLICATION_MODEL = "identity.Client"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": GOVHUB_PUBLIC_URL,  # issuer = the site root (discovery at /.well-known/)
    # Signing keys live in the database (identity.SigningKey) so `govhub oidc_keys rotate`
    # takes effect in every process without a restart; DOT only needs to know RS256 is on.
    "OIDC_RSA_PRIVATE_KEY": "keys-in-database",
    "OAUTH2_VALIDATOR_CLASS": "govhub.identity.sso.oidc.GovhubValidator",
    "CLIENT_SECRET_HASHER": "govhub_sha256_secret",
    "SCOPES_BACKEND_CLASS": "govhub.identity.sso.oidc.GovhubScopes",
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],  # no implicit or hybrid flows (RFC 9700 §2.1.2)
    # RFC 7636: public clients (the PWA) must use PKCE, with S256 only (RFC 9700 §2.1.1).
    "PKCE_REQUIRED": True,  # narrowed per client in GovhubValidator.is_pkce_required
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    # RFC 9207 / RFC 9700 §4.4: every authorization response names the issuer (mix-up
    # defence); govhub.identity.sso.views.AuthorizeView adds it to error responses too.
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # RFC 9700 §4.14.2: refresh tokens rotate, and a replayed one revokes its whole family.
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 900,
    # Systems calling the integration hub get RFC 9068 JWTs the gateways verify offline;
    # people's apps keep opaque tokens (govhub.identity.sso.access_tokens).
    "ACCESS_TOKEN_GENERATOR": "govhub.identity.sso.access_tokens.generate_access_token",
    "ID_TOKEN_EXPIRE_SECONDS": 900,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    # Signing out ends that sign-in session and revokes its apps' tokens (services.sign_in);
    # DOT's default would delete every token of the account, on every device.
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
}

# --- Sign-in with VNeID: govhub as a relying party of the national e-ID (Authlib) ----------
# docs/decisions/0011-vneid-federation.md. None: not configured, so no button is shown and
# /login/vneid/ says so. Read by govhub.identity.federation.vneid.
GOVHUB_VNEID: dict[str, object] | None = None
if ENV.vneid_enabled:
    assert ENV.vneid_client_secret is not None
    GOVHUB_VNEID = {
        "discovery_url": ENV.vneid_discovery_url,
        "client_id": ENV.vneid_client_id,
        "client_secret": ENV.vneid_client_secret.get_secret_value(),
        "scopes": ENV.vneid_scopes,
        "token_auth_method": ENV.vneid_token_auth_method,
        "redirect_uri": ENV.vneid_redirect_uri,
        "claims": ENV.vneid_claims,
        "levels": ENV.vneid_levels,
        "acr_values": ENV.vneid_acr_values,
        "timeout_seconds": ENV.vneid_timeout_seconds,
    }

# --- Brute-force lockout of passwords (django-axes), /login/ and /admin/login/ alike ------
# Five failures for one username from one address lock that pair for 15 minutes; a success
# clears its count. Attempts live in the database, so every web process sees them.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "govhub.identity.sign_in.lockout.username_for_lockout"
AXES_CLIENT_IP_CALLABLE = "govhub.identity.sign_in.lockout.client_ip_address"
AXES_LOCKOUT_CALLABLE = "govhub.identity.sign_in.lockout.lockout_response"
# Successful sign-ins are recorded by identity.SignInSession already; no second copy.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- SMS and sign-in with a one-time code to a phone (govhub.identity.phone.sms, phone_codes) ----
GOVHUB_SMS = {
    "BACKEND": ENV.sms_backend,
    "GATEWAY_URL": ENV.sms_gateway_url,
    "API_KEY": ENV.sms_api_key.get_secret_value() if ENV.sms_api_key else None,
    "BRANDNAME": ENV.sms_brandname,
    "SERVICE_NAME": ENV.sms_service_name,
    "ACCENTED": ENV.sms_accented,
    "TIMEOUT_SECONDS": ENV.sms_timeout_seconds,
}
GOVHUB_PHONE_SIGN_IN = {
    "CODE_TTL_SECONDS": 300,
    "MAX_WRONG_CODES": 5,  # then the code is void
    "RESEND_GAP_SECONDS": 60,
    "CODES_PER_PHONE_PER_HOUR": 5,
    # Generous: mobile carriers put many subscribers behind one address (carrier-grade NAT).
    "CODES_PER_IP_PER_HOUR": 30,
    # How long a confirmed number may take to fill in the first-sign-in form.
    "VERIFIED_PHONE_TTL_SECONDS": 900,
    "KEY_PREFIX": "phone-sign-in",
}

# --- Calls to other systems (govhub.kernel.outbound_http) ----------------------------------
GOVHUB_OUTBOUND_HTTP = {
    "CONNECT_TIMEOUT_SECONDS": ENV.outbound_connect_timeout_seconds,
    "READ_TIMEOUT_SECONDS": ENV.outbound_read_timeout_seconds,
    "RETRIES": ENV.outbound_retries,
    "BACKOFF_FACTOR_SECONDS": 0.5,
    "BACKOFF_JITTER_SECONDS": 0.25,
    "BACKOFF_MAX_SECONDS": 10.0,
    "RETRY_AFTER_MAX_SECONDS": 30.0,  # a provider's Retry-After cannot park a worker longer
}

# --- The citizen app's cards fed through the integration hub (govhub.portal.cards) ----------
# None: no hub configured, so the home page shows no cards. Cards carry reference data only
# (exchange contract §6), fetched in the background and shown with "data as of" when stale.
GOVHUB_HUB: dict[str, object] | None = None
if ENV.hub_cards_enabled:
    assert ENV.hub_api_key is not None
    GOVHUB_HUB = {
        "GATEWAY_URL": ENV.hub_gateway_url,
        "CLIENT": ENV.hub_client,
        "API_KEY": ENV.hub_api_key.get_secret_value(),
    }

# The citizen app signs in as a relying party of govhub's own provider (code + PKCE,
# govhub.portal.app_sign_in; ADR 0015); None: it uses the sign-in page directly.
GOVHUB_APP_CLIENT_ID: str | None = ENV.app_client_id

# --- Language and time (docs/vietnam.md) ---------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["govhub.config.formats"]

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # project-wide assets used by base.html
STATIC_ROOT = GOVHUB_DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # `collectstatic` fills it in production
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG  # the demo serves straight from the packages

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = ENV.hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if ENV.behind_tls_proxy:
        # The proxy terminates TLS and says so in X-Forwarded-Proto; Django must trust it
        # to build https:// URLs, and only then may it redirect plain HTTP.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = True
        SECURE_REDIRECT_EXEMPT = [r"^health/?$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Django admin sets a few style="" attributes; nothing else is inline.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- API ------------------------------------------------------------------------------------
GOVHUB_API_RATES = {
    "anonymous": ENV.api_rate_anonymous,
    "authenticated": ENV.api_rate_authenticated,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
    "loggers": {"django.request": {"level": "ERROR"},
                # Failures and lockouts (WARNING) are worth reading; each success is not.
                "axes": {"level": "WARNING"}},
}
