"""Template tags of the page frame."""

from __future__ import annotations

from typing import Any

from django import template

from govhub.identity.people.access import may_use_admin as _may_use_admin

register = template.Library()


@register.simple_tag(takes_context=True)
def may_use_admin(context: dict[str, Any]) -> bool:
    """Whether to show "Quản trị": only to accounts the admin site would let in."""
    user = context.get("user")
    return bool(user is not None and user.is_authenticated and _may_use_admin(user))
