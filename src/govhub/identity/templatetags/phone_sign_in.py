"""``{% phone_sign_in_link %}``: the "Sign in with a phone number" button on the sign-in page,
shown only where an SMS gateway is configured (like VNeID's button), rather than a link that
always ends in "could not send". A template tag, so the password page does not depend on the
phone sign-in it links to."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse

from govhub.identity.phone import sms

register = template.Library()


@register.inclusion_tag("identity/phone_sign_in_link.html", takes_context=True)
def phone_sign_in_link(context: Any) -> dict[str, Any]:
    if not sms.is_configured():
        return {"url": None}
    url = reverse("login-phone")
    next_url = context.get("next")
    if next_url:  # back to the app that asked for the sign-in (e.g. /o/authorize/…)
        url += "?next=" + quote(next_url, safe="/")  # as the template's |urlencode did
    return {"url": url}
