"""The files that make the site an installable app, served from the site root: a service
worker's scope is its own path's directory (Service Workers §scope), so /sw.js covers all."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from govhub.portal import pwa


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    language = "en" if request.GET.get("lang") == "en" else "vi"
    response = JsonResponse(pwa.manifest(language), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    source = pwa.SERVICE_WORKER_SOURCE.read_text()
    body = (source.replace("__VERSION__", pwa.release_version())
            .replace("__SHELL__", json.dumps(pwa.shell_urls()))
            .replace("__CACHED_STATIC__", json.dumps([static(f) for f in pwa.CACHED_STATIC])))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on navigation; never let a cache hide a release.
    response["Cache-Control"] = "no-cache"
    return response
