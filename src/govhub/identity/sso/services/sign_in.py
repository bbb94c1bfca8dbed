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
from govhub.identity.sso.assurance import ACR_LEVEL_1
from govhub.identity.sso.services.logout_deliveries import deliver_logout_token
from govhub.kernel import context
from govhub.kernel.actors import SYSTEM, Actor
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit


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
    links = list(session.client_sessions.select_related("client"))
    # §2.4: the logout token names the session (sid), not a code, so an app that got
    # several codes in this session is told once: one delivery per app, on one of its links.
    told = {link.client_id for link in links if link.logout_delivered_at is not None}
    for link in links:
        if link.authorization_code:
            # A code issued just before sign-out must not buy tokens after it.
            Grant.objects.filter(code=link.authorization_code).delete()
        if link.token_family:
            RefreshToken.revoke_family(link.token_family)
        if link.client.backchannel_logout_uri and link.client_id not in told:
            told.add(link.client_id)
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


@transaction.atomic
def revoke_tokens_of_replayed_code(*, client: Client, authorization_code: str) -> bool:
    """A code presented again after it was exchanged: the tokens of its first use are
    revoked (RFC 6749 §4.1.2 "SHOULD revoke"; RFC 9700 §4.5), since the second presenter
    may have stolen it — or the first. Returns whether there was anything to revoke."""
    link = (ClientSession.objects.select_related("sign_in_session__account", "client")
            .filter(client=client, authorization_code=authorization_code,
                    token_family__isnull=False).first())
    if link is None:
        return False
    RefreshToken.revoke_family(link.token_family)
    account = link.sign_in_session.account
    record_audit(actor=SYSTEM, action=AuditAction.UPDATE, target=link,
                 target_label=f"{client.name} — {account.username}",
                 before={"sid": link.sign_in_session.sid},
                 after={"tokens_revoked": "authorization code replayed"},
                 agency_id=account.agency_id or account.commune_id)
    return True


def sign_out_everywhere(*, actor: Account) -> int:
    """The user's own "sign out everywhere": every active session ends, every app of each
    session is told (back-channel logout). Returns how many sessions ended."""
    sessions = SignInSession.objects.filter(account=actor, ended_at__isnull=True)
    ended = 0
    for session in sessions:
        end_sign_in(actor=actor, sign_in_session=session)
        ended += 1
    return ended
