"""Framework glue only, never business flow: Django says a login or logout happened; the
sign-in services decide what that means."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from govhub.identity.models import SignInSession
from govhub.identity.sign_in.flow import ACR_ATTRIBUTE, AMR_ATTRIBUTE
from govhub.identity.sso.assurance import ACR_LEVEL_1, SESSION_SID_KEY
from govhub.identity.sso.services import sign_in


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if not request.session.session_key:
        request.session.save()
    session = sign_in.start_sign_in(
        account=user, session_key=request.session.session_key or "",
        # login_flow.complete_sign_in says how; Django's own views (the admin's login)
        # only ever check a password.
        amr=getattr(request, AMR_ATTRIBUTE, ["pwd"]),
        acr=getattr(request, ACR_ATTRIBUTE, ACR_LEVEL_1),
    )
    request.session[SESSION_SID_KEY] = session.sid


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or user is None or not hasattr(request, "session"):
        return
    sid = request.session.get(SESSION_SID_KEY)
    session = SignInSession.objects.filter(sid=sid).first() if sid else None
    if session is not None:
        sign_in.end_sign_in(actor=user, sign_in_session=session)
