"""Each context registers its own audit verbs; the kernel records only registered ones and
labels them in the reader's language, including entries stored before the verbs moved out of
the kernel."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation

from govhub.identity.audit_actions import IdentityAction
from govhub.integration.audit_actions import IntegrationAction
from govhub.kernel import audit_actions
from govhub.kernel.actors import SYSTEM
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.models import AuditEntry

# The strings stored before the verbs moved out of the kernel (kernel migration 0002).
STORED_BEFORE = {"create", "update", "delete", "grant", "revoke", "set_password", "import",
                 "sign_in", "sign_out", "give_consent", "withdraw_consent"}


class TeleportAction(models.TextChoices):
    TELEPORT = "teleport", "Teleport"


class ClashingAction(models.TextChoices):
    SIGN_IN = "sign_in", "Clash"


class LongAction(models.TextChoices):
    LONG = "x" * (audit_actions.MAX_LENGTH + 1), "Too long"


def test_every_verb_stored_so_far_is_registered_by_some_context() -> None:
    registered = {value for value, _label in audit_actions.action_choices()}
    assert registered >= STORED_BEFORE
    assert {*AuditAction.values, *IdentityAction.values, *IntegrationAction.values} \
        <= registered


def test_labels_stay_vietnamese() -> None:
    with translation.override("vi"):
        assert audit_actions.action_label("create") == "Tạo mới"
        assert audit_actions.action_label("grant") == "Cấp vai trò"
        assert audit_actions.action_label("sign_in") == "Đăng nhập"
        assert audit_actions.action_label("withdraw_consent") == "Thu hồi đồng ý"
        assert audit_actions.action_label("import") == "Nhập dữ liệu"
        assert audit_actions.action_label("no_longer_declared") == "no_longer_declared"


@pytest.mark.django_db
def test_an_unregistered_verb_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(audit_actions.UnregisteredAuditActionError, match="teleport"):
        record_audit(actor=SYSTEM, action="teleport", target_type="test.thing")
    assert not AuditEntry.objects.filter(action="teleport").exists()


@pytest.mark.django_db
def test_a_verb_registered_by_a_new_context_is_recorded_without_a_kernel_migration() -> None:
    audit_actions.register_audit_actions(TeleportAction, owner="test")
    try:
        entry = record_audit(actor=SYSTEM, action=TeleportAction.TELEPORT,
                             target_type="test.thing")
        entry.refresh_from_db()
        assert (entry.action, entry.action_label) == ("teleport", "Teleport")
    finally:
        audit_actions.unregister_audit_actions(TeleportAction, owner="test")
    assert not audit_actions.is_registered("teleport")


@pytest.mark.django_db
def test_a_stored_identity_verb_reads_with_its_label() -> None:
    entry = record_audit(actor=SYSTEM, action="grant", target_type="identity.roleassignment")
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.action == IdentityAction.GRANT
    with translation.override("vi"):
        assert entry.action_label == "Cấp vai trò"


def test_a_verb_of_another_context_cannot_be_claimed() -> None:
    with pytest.raises(ImproperlyConfigured, match="already registered by identity"):
        audit_actions.register_audit_actions(ClashingAction, owner="test")
    with translation.override("vi"):
        assert audit_actions.action_label("sign_in") == "Đăng nhập"


def test_registering_again_is_harmless_and_a_verb_too_long_to_store_is_refused() -> None:
    audit_actions.register_audit_actions(IdentityAction, owner="identity")
    with pytest.raises(ImproperlyConfigured, match="longer than 32"):
        audit_actions.register_audit_actions(LongAction, owner="test")
    assert not audit_actions.is_registered(LongAction.LONG)
