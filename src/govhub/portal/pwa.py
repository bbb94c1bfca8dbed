"""The installable app's files: the web app manifest (W3C Web Application Manifest) and the
service worker's precache list and version."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.translation import gettext as _

THEME_COLOUR = "#b3261e"  # the masthead's red (site.css --brand)
BACKGROUND_COLOUR = "#fbfbfc"

# The app shell: what the home page needs to draw itself offline.
SHELL_STATIC = ("govhub/site.css", "portal/app.css", "portal/app.js",
                "portal/icons/icon-192.png", "portal/icons/icon-512.png",
                "portal/icons/maskable-512.png", "portal/ios-share.svg", "portal/ios-add.svg")
# The app's name is a proper name, the same in every build, not a UI string to translate.
NAMES = {"vi": "Chính quyền số Cà Mau", "en": "Cà Mau Digital Government"}
SHELL_PAGES = ("/", "/offline/")
# Static folders the worker serves cache-first; everything else under /static/ (the admin's,
# the API docs') goes to the network.
CACHED_STATIC = ("govhub/", "portal/")
SERVICE_WORKER_SOURCE = Path(__file__).parent / "templates" / "portal" / "sw.js"


def manifest(language: str) -> dict[str, Any]:
    prefix = "/en" if language == "en" else ""
    return {
        # Manifest §id: stable across languages, so /en/ does not install a second app.
        "id": "/?source=pwa",
        "name": NAMES.get(language, NAMES["vi"]),
        "short_name": "CàMau-G",
        "description": _("Every public service and provincial app of Cà Mau in one app."),
        "lang": language,
        "dir": "ltr",
        "start_url": f"{prefix}/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["government", "utilities"],
        "icons": [
            {"src": static("portal/icons/icon-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "any"},
            {"src": static("portal/icons/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any"},
            {"src": static("portal/icons/maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }


def shell_urls() -> list[str]:
    return [*SHELL_PAGES, *(static(name) for name in SHELL_STATIC)]


@cache
def release_version() -> str:
    """A digest of the worker and of every static file it may serve from its cache (the
    ``CACHED_STATIC`` folders), as deployed: a release that changes any of them gets a new
    cache name, so browsers install a new worker and drop the old caches. Computed once
    per process (static files change only on deploy)."""
    digest = hashlib.sha256(SERVICE_WORKER_SOURCE.read_bytes())
    found: dict[str, bytes] = {}
    for finder in finders.get_finders():
        for name, storage in finder.list([]):
            name = name.replace("\\", "/")
            if name.startswith(CACHED_STATIC) and name not in found:  # first finder wins
                with storage.open(name) as file:
                    found[name] = file.read()
    for name in sorted(found):
        digest.update(name.encode() + b"\0" + found[name])
    return digest.hexdigest()[:12]
