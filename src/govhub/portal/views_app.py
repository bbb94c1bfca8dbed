"""The signed-in person's side of the app: profile and notification settings, ratings, and
the page's adoption signals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhub.identity import queries as identity_queries
from govhub.identity.sso.assurance import SESSION_SID_KEY
from govhub.portal import notification_settings, queries, services
from govhub.portal.forms import NotificationForm, PushDeviceForm, RatingForm


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def profile(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user: Any = request.user
    preference = notification_settings.preference_of(user)
    form = NotificationForm(request.POST or None, initial={
        "channels": preference.channels if preference else [],
        "topics": preference.topics if preference else []})
    if request.method == "POST" and form.is_valid():
        notification_settings.save_notification_preference(actor=user, **form.cleaned_data)
        messages.success(request, _("Notification settings saved."))
        return redirect("app-profile")
    # The sign-in of this browser: its assurance (acr) is what mini-apps receive.
    sign_in = identity_queries.own_sign_in_session(user, request.session.get(SESSION_SID_KEY))
    rating = queries.own_rating(user, None)
    rating_form = RatingForm(initial={"stars": rating.stars, "comment": rating.comment}
                             if rating else None)
    context = {"account": user, "sign_in": sign_in, "form": form, "rating": rating,
               "rating_form": rating_form}
    return _private(render(request, "portal/profile.html", context))


@require_POST
def rate(request: HttpRequest, code: str = "") -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    item = queries.visible_mini_app(request.user, code) if code else None
    if code and item is None:
        raise Http404
    form = RatingForm(request.POST)
    back = redirect("mini-app", code) if item else redirect("app-profile")
    if not form.is_valid():
        messages.error(request, _("Choose from 1 to 5 stars."))
        return back
    services.rate_item(actor=request.user, mini_app=item, **form.cleaned_data)
    messages.success(request, _("Thank you — your rating was saved."))
    return back


@require_POST
def adoption_signal(request: HttpRequest) -> HttpResponse:
    """The page's own script reports install / home-screen launch / active day. CSRF
    protected like every POST; nothing but a count is kept (services.record_adoption_signal)."""
    try:
        services.record_adoption_signal(actor=request.user,
                                        signal=request.POST.get("signal", ""))
    except ValidationError:
        return HttpResponseBadRequest()
    return HttpResponse(status=204)


@require_POST
def push_device(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise PermissionDenied
    form = PushDeviceForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    try:
        notification_settings.set_push_on_device(
            actor=request.user, user_agent=request.headers.get("User-Agent", ""),
            **form.cleaned_data)
    except ValidationError:
        return HttpResponseBadRequest()
    return HttpResponse(status=204)
