"""The ASGI application, for the realtime process (websockets, ADR 0017); HTTP pages and APIs
are served by the WSGI application under gunicorn (govhub.config.web_server)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhub.config.settings")
# Django's documentation (Databases, "Persistent connections"): under ASGI persistent
# connections should be disabled; a sync view runs in an executor thread, and a connection
# kept there outlives the request that opened it.
os.environ["GOVHUB_DATABASE_CONN_MAX_AGE"] = "0"
application = get_asgi_application()
