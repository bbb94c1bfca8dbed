"""``{% vneid_sign_in_link %}``: the "Sign in with VNeID" button on the sign-in page, shown
only when VNeID is configured (settings.GOVHUB_VNEID)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from govhub.identity.federation import vneid as federation

register = template.Library()


@register.inclusion_tag("identity/vneid_link.html", takes_context=True)
def vneid_sign_in_link(context: Any) -> dict[str, Any]:
    if federation.configuration() is None:
        return {"url": None}
    url = reverse("vneid-login")
    next_url = context.get("next")
    if next_url:  # back to the app that asked for the sign-in (e.g. /o/authorize/…)
        url += "?" + urlencode({"next": next_url})
    return {"url": url}
