from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from govhub.identity.models import Account
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.kernel.models import AuditEntry


@pytest.mark.django_db
def test_createsuperuser_makes_an_audited_platform_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("import_province", "96")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "quản-trị-đầu-tiên-2026")
    call_command("createsuperuser", "--no-input", username="quantri", full_name="Quản Trị")
    admin = Account.objects.get(username="quantri")
    assert admin.agency is not None
    assert admin.agency.admin_unit_code == "96"
    assert admin.check_password("quản-trị-đầu-tiên-2026")
    assert access_for(admin).covers_everything(roles.MANAGE_ACCOUNT)
    assert AuditEntry.objects.filter(action="create", target_id=str(admin.pk)).exists()
    grant = AuditEntry.objects.get(action="grant", target_type="identity.roleassignment")
    assert grant.after is not None
    assert grant.after["account"] == str(admin.pk)


@pytest.mark.django_db
def test_createsuperuser_before_any_agency_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "quản-trị-đầu-tiên-2026")
    with pytest.raises(CommandError, match="import_province"):
        call_command("createsuperuser", "--no-input", username="quantri", full_name="Q")
    assert not Account.objects.filter(username="quantri").exists()


@pytest.mark.django_db
def test_createsuperuser_asks_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("import_province", "96")
    answers = iter(["quantri.hoi", "Quản Trị Hỏi"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt: "quản-trị-đầu-tiên-2026")
    call_command("createsuperuser")
    admin = Account.objects.get(username="quantri.hoi")
    assert admin.full_name == "Quản Trị Hỏi"
    assert admin.check_password("quản-trị-đầu-tiên-2026")
    assert access_for(admin).covers_everything(roles.MANAGE_ACCOUNT)


@pytest.mark.django_db
def test_createsuperuser_refuses_two_different_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("import_province", "96")
    typed = iter(["quản-trị-đầu-tiên-2026", "quản-trị-đầu-tiên-2027"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    with pytest.raises(CommandError, match="differ"):
        call_command("createsuperuser", username="quantri.sai", full_name="Q")
    assert not Account.objects.filter(username="quantri.sai").exists()
