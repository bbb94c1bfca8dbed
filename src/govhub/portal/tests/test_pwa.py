"""The installable app's files (Web App Manifest): manifest members, the worker's rules, icons."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from govhub.portal import icon_drawing, pwa

pytestmark = pytest.mark.django_db


def test_manifest_has_what_installing_needs(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "Chính quyền số Cà Mau"
    assert manifest["lang"] == "vi"
    assert len(manifest["short_name"]) <= 12
    assert manifest["start_url"] == "/?source=pwa"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["id"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = b"".join(client.get(icon["src"]).streaming_content)  # type: ignore[attr-defined]
        width, height = struct.unpack(">II", png[16:24])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert icon["sizes"] == f"{width}x{height}"


def test_english_manifest_starts_in_english_with_the_same_id(client: Client) -> None:
    vi, en = client.get("/manifest.webmanifest").json(), \
        client.get("/manifest.webmanifest?lang=en").json()
    assert en["lang"] == "en"
    assert en["start_url"] == "/en/?source=pwa"
    assert en["id"] == vi["id"]


def test_pages_link_the_manifest_and_theme(client: Client) -> None:
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'name="theme-color"' in page
    assert "portal/app.js" in page
    assert 'lang="vi"' in page
    assert 'href="/manifest.webmanifest?lang=en"' in client.get("/en/").content.decode()


def test_worker_is_versioned_by_the_deployed_files(client: Client, settings: Any) -> None:
    body = client.get("/sw.js").content.decode()
    assert '"govhub-shell-" + VERSION' in body
    assert f'"{pwa.release_version()}"' in body
    shell = re.search(r"const SHELL = (\[.*\]);", body)
    assert shell
    assert '"/offline/"' in shell.group(1)
    assert "portal/app.js" in shell.group(1)
    assert client.get("/sw.js")["Cache-Control"] == "no-cache"


def test_worker_never_touches_sign_in_admin_api_or_personal_pages(client: Client) -> None:
    body = client.get("/sw.js").content.decode()
    bypass = re.search(r"const BYPASS = /(.*)/;", body)
    assert bypass
    pattern = re.compile(bypass.group(1).replace("\\/", "/"))
    for path in ("/o/authorize/", "/login/", "/admin/", "/api/docs", "/app/profile/",
                 "/en/login/", "/account/security/", "/logout/"):
        assert pattern.search(path), path
    for path in ("/", "/apps/vnedu/", "/offline/", "/en/"):
        assert not pattern.search(path), path


def test_personal_pages_are_marked_private(tree: Any, make_citizen: Any,
                                           client: Client) -> None:
    anonymous = client.get("/")
    assert anonymous["Govhub-Offline"] == "shared"
    client.force_login(make_citizen(tree.commune_a))
    personal = client.get("/")
    assert "Govhub-Offline" not in personal
    assert "no-store" in personal["Cache-Control"]
    assert "private" in personal["Cache-Control"]


def test_offline_page_is_in_vietnamese(client: Client) -> None:
    response = client.get("/offline/")
    assert response.status_code == 200
    assert 'href="/"' in response.content.decode()


def test_committed_icons_are_what_the_script_draws() -> None:
    for path, content in icon_drawing.files().items():
        assert Path(path).read_bytes() == content, f"rerun icon_drawing: {path.name}"


def test_admin_link_only_for_those_who_may_use_the_admin(tree: Any, make_citizen: Any,
                                                         make_official: Any,
                                                         client: Client) -> None:
    from govhub.identity.people import roles

    client.force_login(make_citizen(tree.commune_a))
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    assert 'href="/admin/"' in client.get("/").content.decode()
