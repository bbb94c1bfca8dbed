"""The seam where the coming ``notifications`` context takes over: a person's notification
settings (channels and topics, ``NotificationPreference``) and push on or off per device
(``PushDevice``).

``portal`` keeps these models today because the citizen app's profile page was the first to
need them; the ``notifications`` context (ARCHITECTURE.md: templates, channels, outbox,
deliveries, preferences) will own them, move the tables with a data migration, and serve
these functions from its own ``services``/``queries``. Until then every read and write of
them in ``portal`` goes through this module and nothing else touches the models, so the
move changes one import in the callers. Each write: one transaction, signed-in actor,
audit record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govhub.identity.people.access import signed_in_account
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.portal.models import Channel, NotificationPreference, PushDevice, Topic

if TYPE_CHECKING:
    from govhub.identity.models import Account


def _require_signed_in(actor: Actor) -> Account:
    account = signed_in_account(actor)
    if account is None:
        raise PermissionDenied(_("Sign in first."))
    return account


# --- Reads ---------------------------------------------------------------------------------

def preference_of(account: Any) -> NotificationPreference | None:
    """The person's own settings (scoped to them: nobody reads another's), or None."""
    if not getattr(account, "is_authenticated", False):
        return None
    return NotificationPreference.objects.filter(account=account).first()


# --- Writes --------------------------------------------------------------------------------

@transaction.atomic
def save_notification_preference(*, actor: Actor, channels: Iterable[str],
                                 topics: Iterable[str]) -> NotificationPreference:
    account = _require_signed_in(actor)
    channels, topics = sorted(set(channels)), sorted(set(topics))
    if set(channels) - set(Channel.values) or set(topics) - set(Topic.values):
        raise ValidationError(_("Unknown channel or topic."))
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        account=account)
    before = snapshot(preference)
    preference.channels, preference.topics = channels, topics
    preference.save()
    record_audit(actor=actor, action=AuditAction.UPDATE, target=preference, before=before,
                 after=snapshot(preference))
    return preference


@transaction.atomic
def set_push_on_device(*, actor: Actor, device_id: str, is_enabled: bool,
                       user_agent: str = "") -> PushDevice:
    account = _require_signed_in(actor)
    if not device_id.isalnum() or not 16 <= len(device_id) <= 64:
        raise ValidationError({"device_id": _("Unknown device.")})
    device, _created = PushDevice.objects.select_for_update().get_or_create(
        account=account, device_id=device_id)
    device.is_enabled, device.user_agent = is_enabled, user_agent[:300]
    device.save()
    record_audit(actor=actor, action=AuditAction.UPDATE, target=device,
                 after={"is_enabled": is_enabled})
    return device
