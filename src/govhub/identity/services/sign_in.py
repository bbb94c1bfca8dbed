"""Writes of sign-in sessions: each sign-in gets an OpenID Connect ``sid``, an assurance
level (``acr``) and the methods used (``amr``, RFC 8176); the apps that received tokens in
it are recorded so signing out can reach them all."""

from __future__ import annotations

import secrets
import uuid
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import Grant, RefreshToken

from govhub.identity import events
from govhub.identity.audit_actions import IdentityAction
from govhub.identity.models import Account, Client, ClientSession, SignInSession
from govhub.kernel import context
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit
from govhub.kernel.events import publish_on_commit

# Assurance of a sign-in (the ID token's `acr`). Level 1: one factor (password, or a
# one-time code to a phone); level 2: two factors, or VNeID at its level 2 — the same
# ladder as Decree 69/2024/NĐ-CP's levels for e-identification accounts.
ACR_LEVEL_1 = "urn:govhub:loa:1"
ACR_LEVEL_2 = "urn:govhub:loa:2"
ACR_VALUES = (ACR_LEVEL_1, ACR_LEVEL_2)
# Where a browser session keeps its sign-in session id.
SESSION_SID_KEY = "govhub_sid"


@transaction.atomic
def start_sign_in(*, account: Account, session_key: str, amr: list[str],
                  acr: str = ACR_LEVEL_1) -> SignInSession:
    request = context.current.get()
    session = SignInSession.objects.create(
        account=account, sid=secrets.token_urlsafe(24), session_key=session_key, acr=acr,
        amr=amr, authenticated_at=timezone.now(),
        ip_address=request.ip_address if request else None,
        user_agent=(request.user_agent if request else "")[:300],
    )
    record_audit(actor=account, action=IdentityAction.SIGN_IN, target=account,
                 after={"sid": session.sid, "acr": acr, "amr": amr},
                 agency_id=account.agency_id or account.commune_id)
    return session


@transaction.atomic
def end_sign_in(*, actor: Actor, sign_in_session: SignInSession,
                keep_browser_session: bool = False) -> None:
    """Ends the session: the browser is signed out, the apps' tokens from it are revoked,
    and each app with a back-channel logout URI is notified."""
    session = SignInSession.objects.select_for_update().get(pk=sign_in_session.pk)
    if session.ended_at is not None:
        return
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at", "updated_at"])
    # The browser's own session goes too, so an administrator's "end session" really
    # signs the person out of govhub, not only of the apps.
    if not keep_browser_session:  # a new sign-in in the same browser keeps it
        import_module(settings.SESSION_ENGINE).SessionStore(
            session_key=session.session_key).delete()
    _end_app_sessions(session)
    account = session.account
    record_audit(actor=actor, action=IdentityAction.SIGN_OUT, target=account,
                 before={"sid": session.sid}, agency_id=account.agency_id or account.commune_id)
    publish_on_commit(events.SignedOut(sid=session.sid, account_id=account.pk))


def _end_app_sessions(session: SignInSession) -> None:
    """Every app of the session loses its tokens and is told (Back-Channel Logout 1.0).
    The delivery tasks are written in this same transaction (django-tasks' database
    backend), so a crash right after the commit cannot lose a logout."""
    from govhub.identity.tasks import deliver_logout_token

    for link in session.client_sessions.select_related("client"):
        if link.authorization_code:
            # A code issued just before sign-out must not buy tokens after it.
            Grant.objects.filter(code=link.authorization_code).delete()
        if link.token_family:
            RefreshToken.revoke_family(link.token_family)
        if link.client.backchannel_logout_uri and link.logout_delivered_at is None:
            deliver_logout_token.enqueue(str(link.pk))


def record_client_session(*, sid: str, client: Client, authorization_code: str) -> None:
    """Called inside the authorization transaction: this app is now part of the session."""
    session = SignInSession.objects.filter(sid=sid, ended_at__isnull=True).first()
    if session is not None:
        ClientSession.objects.create(sign_in_session=session, client=client,
                                     authorization_code=authorization_code)


def attach_token_family(*, authorization_code: str, token_family: uuid.UUID) -> None:
    """The refresh tokens descending from this code belong to the same session."""
    ClientSession.objects.filter(authorization_code=authorization_code).update(
        token_family=token_family)


def record_logout_delivery(*, client_session: ClientSession, problem: str | None) -> None:
    """The outcome of one back-channel logout attempt, kept for the administrators."""
    client_session.logout_attempts += 1
    client_session.logout_last_error = problem or ""
    if problem is None:
        client_session.logout_delivered_at = timezone.now()
    client_session.save(update_fields=["logout_attempts", "logout_last_error",
                                       "logout_delivered_at", "updated_at"])


def sign_out_everywhere(*, actor: Account) -> int:
    """The user's own "sign out everywhere": every active session ends, every app of each
    session is told (back-channel logout). Returns how many sessions ended."""
    sessions = SignInSession.objects.filter(account=actor, ended_at__isnull=True)
    ended = 0
    for session in sessions:
        end_sign_in(actor=actor, sign_in_session=session)
        ended += 1
    return ended
