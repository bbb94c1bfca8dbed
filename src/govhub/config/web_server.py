"""gunicorn's settings for the web process (ADR 0017), read from ``GOVHUB_WEB_*``:

    gunicorn -c python:govhub.config.web_server --bind 127.0.0.1:8000

WSGI with gthread workers: a sync Django view runs on the thread that read the request, with
no hop into an executor thread and back per request (which ASGI costs every sync view), and
each thread keeps its database connection between requests (``CONN_MAX_AGE``). Websockets
will be served by the ASGI application in a process of their own.
"""

from __future__ import annotations

from govhub.config.environment import Environment

_ENV = Environment()
if _ENV.web_workers > 1 and not _ENV.redis_url:
    # The cache holds rate limits, SMS codes and wrong second-factor answers; in memory it is
    # per process, so a second worker would not see the first one's codes and counts.
    raise RuntimeError("GOVHUB_WEB_WORKERS above 1 needs GOVHUB_REDIS_URL (a shared cache)")

wsgi_app = "govhub.config.wsgi:application"
worker_class = "gthread"
workers = _ENV.web_workers
threads = _ENV.web_threads
# Idle keep-alive connections wait in the worker's poller, not on a thread; browsers and the
# gateways polling the control plane reuse them.
keepalive = 5
# A stop (honcho, systemd) lets requests in progress finish, but not for long.
graceful_timeout = 10
# Requests are logged by the proxy in front and by Django's error logging; an access line
# per request would cost the web process more than a trivial view does.
accesslog = None
errorlog = "-"
# gunicorn's runtime control socket sits at one path per user: a second web process (another
# installation, a second demo, a benchmark) would take it over. govhub does not use it.
control_socket_disable = True
