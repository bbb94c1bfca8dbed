"""The citizen app's pages: home (search, categories, featured, the catalog) and a mini-app's
page. Thin: parse → one query → render (docs/development.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from govhub.identity import queries as identity_queries
from govhub.portal import cards, queries, tasks
from govhub.portal.forms import RatingForm, SearchForm
from govhub.portal.models import Kind, LoginLevel, MiniApp

OFFLINE_HEADER = "Govhub-Offline"


def personal_or_shared(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Tell the service worker (and every cache) whether the page may be kept: a page for a
    signed-in person is personal (RFC 9111 §5.2.2.7 private, §5.2.2.5 no-store); the page
    anyone sees is marked for the worker's offline copy."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, no_cache=True)
        response[OFFLINE_HEADER] = "shared"
    return response


def home(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    text = category = ""
    if form.is_valid():
        text, category = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    visible = queries.visible_mini_apps(request.user)
    items = queries.search_mini_apps(request.user, text=text, category=category)
    # The cards come from the database; stale ones are refreshed after, never waited for.
    home_cards = cards.home_cards()
    tasks.refresh_in_background(home_cards.due)
    context = {
        "cards": {} if text or category else home_cards.cards,
        "overview": identity_queries.province_overview(), "form": form, "text": text,
        "category": category, "items": items, "categories": queries.categories_in(visible),
        "featured": [] if text or category else visible.filter(is_featured=True)[:6],
    }
    return personal_or_shared(request, render(request, "portal/home.html", context))


@dataclass(frozen=True)
class Opening:
    """How the "Open" button of a mini-app behaves for this visitor."""

    href: str = ""
    needs_sign_in: bool = False
    needs_level_2: bool = False
    play_store: str = ""
    app_store: str = ""


def opening_for(request: HttpRequest, mini_app: MiniApp) -> Opening:
    if not mini_app.is_openable:
        return Opening()  # maintenance or coming soon: no link at all, only the notice
    user: Any = request.user
    here = reverse("mini-app", args=[mini_app.code])
    if mini_app.login_level >= LoginLevel.SIGNED_IN and not user.is_authenticated:
        return Opening(href=f"{reverse('login')}?{urlencode({'next': here})}",
                       needs_sign_in=True)
    if mini_app.login_level >= LoginLevel.VNEID_LEVEL_2 and user.assurance_level < 2:
        return Opening(href=f"{reverse('vneid-login')}?{urlencode({'next': here})}",
                       needs_level_2=True)
    if mini_app.kind != Kind.NATIVE:
        return Opening(href=mini_app.url)
    play = (f"https://play.google.com/store/apps/details?id={quote(mini_app.android_package)}"
            if mini_app.android_package else "")
    href = mini_app.url
    if play and "Android" in request.headers.get("User-Agent", ""):
        # Chrome's intent URL opens the app, or the store when it is not installed.
        scheme = mini_app.url.split(":", 1)[0]
        href = (f"intent://#Intent;scheme={scheme};package={mini_app.android_package};"
                f"S.browser_fallback_url={quote(play, safe='')};end")
    return Opening(href=href, play_store=play, app_store=mini_app.app_store_url)


def mini_app(request: HttpRequest, code: str) -> HttpResponse:
    item = queries.visible_mini_app(request.user, code)
    if item is None:  # another commune's entry looks like one that does not exist
        raise Http404
    rating = queries.own_rating(request.user, item)
    form = RatingForm(initial={"stars": rating.stars, "comment": rating.comment}
                      if rating else None)
    context = {"item": item, "opening": opening_for(request, item), "rating_form": form,
               "rating": rating}
    return personal_or_shared(request, render(request, "portal/mini_app.html", context))


def offline(request: HttpRequest) -> HttpResponse:
    return personal_or_shared(request, render(request, "portal/offline.html"))


def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for load balancers and the demo supervisor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
