"""Settings for the test suite: the real settings module, fed test values for the secrets
it refuses to start without. Everything else (GOVHUB_DATABASE_URL, GOVHUB_REDIS_URL) comes
from the environment exactly as in production, which is how CI runs the suite on
PostgreSQL and Redis."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("GOVHUB_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("GOVHUB_PII_KEY", "test-pii-key-not-for-production-0123456789")
if "GOVHUB_DATA_DIR" not in os.environ:  # each test process gets one, removed at exit
    _data_dir = tempfile.mkdtemp(prefix="govhub-test-")
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
    os.environ["GOVHUB_DATA_DIR"] = _data_dir

from govhub.config.settings import *  # noqa: F403

# Fast hashing keeps the role-matrix tests quick; production keeps Django's PBKDF2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                    "govhub.identity.people.hashers.MachineSecretHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The test client speaks plain HTTP; production's HTTPS redirect is checked on its own in
# tests/test_settings.py, with the real settings in a fresh process.
SECURE_SSL_REDIRECT = False
# Live-server tests have no TLS either, so a Secure cookie would never come back.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
WHITENOISE_USE_FINDERS = True
# Test relying parties listen on http://127.0.0.1 (RFC 8252 §7.3 loopback redirects).
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}  # noqa: F405
# Every test calls from 127.0.0.1, and failed sign-ins count against the anonymous rate, so
# a test process would pass the production 60 per minute; the rate-limit tests set their own.
GOVHUB_API_RATES = {**GOVHUB_API_RATES, "anonymous": "100000/min"}  # noqa: F405
# Sign-in codes go nowhere unless a test points GOVHUB_SMS at a (sandbox) gateway.
GOVHUB_SMS = {**GOVHUB_SMS, "BACKEND": "locmem"}  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file, not Django's in-memory default: an in-memory SQLite database
    # is one connection that live-server threads share with the test's thread, so a request
    # still running when a transactional test flushes (a gateway's heartbeat, say) can undo
    # the flush. With a file each thread has its own connection and transaction, as in
    # production. synchronous=OFF: a crash of a test run loses nothing worth keeping.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["GOVHUB_DATA_DIR"], "test.sqlite3")}
    DATABASES["default"]["OPTIONS"]["init_command"] = (  # noqa: F405
        DATABASES["default"]["OPTIONS"]["init_command"]  # noqa: F405
        .replace("synchronous=FULL", "synchronous=OFF"))
