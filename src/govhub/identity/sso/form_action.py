"""Where a sign-in page's forms may lead (CSP Level 3 ``form-action``): the pages of an
interrupted authorization request end, through /o/authorize/, at the app's registered
redirect URI, so those pages allow exactly that app's redirect URIs and nothing else."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from django.http import HttpResponse
from django.urls import reverse

from govhub.identity.models import Client


def client_of_authorization(next_url: str | None) -> Client | None:
    """The app an interrupted authorization request (``/o/authorize/?client_id=…``) is for,
    when it is registered and the request names one of its registered redirect URIs."""
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return None
    query = parse_qs(parts.query)
    client_id = query.get("client_id", [""])[0]
    redirect_uri = query.get("redirect_uri", [""])[0]
    client = Client.objects.filter(client_id=client_id).first() if client_id else None
    if client is None or not redirect_uri or not client.redirect_uri_allowed(redirect_uri):
        return None
    return client


def redirect_uri_sources(client: Client) -> list[str]:
    """The client's registered redirect URIs as CSP source expressions (CSP Level 3 §2.3.1:
    no query or fragment; ';' and ',' percent-encoded). A private-use scheme
    (RFC 8252 §7.1, ``vn.gov.app:/cb``) has no host to name, so its scheme stands for it."""
    sources = []
    for uri in client.redirect_uris.split():
        parts = urlsplit(uri)
        if not parts.scheme:
            continue
        if not parts.netloc:
            sources.append(f"{parts.scheme}:")
            continue
        path = quote(parts.path, safe="/%:@!$&'()*+=-._~")
        sources.append(f"{parts.scheme}://{parts.netloc}{path}")
    return sources


def allow_forms_to_reach(response: HttpResponse, client: Client | None) -> HttpResponse:
    """Extends this page's ``form-action`` to the client's registered redirect URIs, and to
    nothing else. CSP Level 3 §6.3.2.3: ``form-action`` governs every redirect after a form
    is posted, and a sign-in or consent form ends, through /o/authorize/, at the app's
    redirect URI: with ``'self'`` alone Chromium stops the chain on govhub's page. Pages
    that lead to no app keep the site-wide ``'self'`` (django-csp's per-response update)."""
    if client is not None:
        sources = redirect_uri_sources(client)
        if sources:
            response._csp_update = {"form-action": sources}  # type: ignore[attr-defined]
    return response
