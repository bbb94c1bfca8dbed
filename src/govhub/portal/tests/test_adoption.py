"""Adoption signals: counts per commune and day, signed-in people counted once
a day, no user id stored anywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from govhub.kernel.models import AuditEntry
from govhub.portal import services
from govhub.portal.models import ActiveMark, AdoptionDaily

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 27)


def row(commune: Any) -> AdoptionDaily:
    return AdoptionDaily.objects.get(commune=commune, date=DAY)


def test_active_user_counted_once_per_day(tree: Any, make_citizen: Any) -> None:
    first, second = make_citizen(tree.commune_a), make_citizen(tree.commune_a)
    for actor in (first, first, second, first):
        services.record_adoption_signal(actor=actor, signal="active", day=DAY)
    assert row(tree.commune_a).active_users == 2
    services.record_adoption_signal(actor=first, signal="active", day=DAY + dt.timedelta(1))
    assert AdoptionDaily.objects.get(date=DAY + dt.timedelta(1)).active_users == 1


def test_marks_of_past_days_are_deleted_and_unlinkable(tree: Any, make_citizen: Any) -> None:
    citizen = make_citizen(tree.commune_a)
    services.record_adoption_signal(actor=citizen, signal="active", day=DAY)
    yesterday = ActiveMark.objects.get().digest
    services.record_adoption_signal(actor=citizen, signal="active", day=DAY + dt.timedelta(1))
    mark = ActiveMark.objects.get()  # yesterday's is gone
    assert mark.date == DAY + dt.timedelta(1)
    assert mark.digest != yesterday
    assert str(citizen.pk) not in mark.digest
    assert citizen.pk.hex not in mark.digest


def test_installs_and_launches_per_commune_and_unknown(tree: Any, make_citizen: Any) -> None:
    services.record_adoption_signal(actor=make_citizen(tree.commune_b), signal="install",
                                    day=DAY)
    services.record_adoption_signal(actor=AnonymousUser(), signal="install", day=DAY)
    services.record_adoption_signal(actor=AnonymousUser(), signal="standalone_launch", day=DAY)
    assert (row(tree.commune_b).installs, row(tree.commune_b).standalone_launches) == (1, 0)
    assert (row(None).installs, row(None).standalone_launches) == (1, 1)
    # A visitor who is not signed in is never an "active user": there is no one to count once.
    assert not services.record_adoption_signal(actor=AnonymousUser(), signal="active", day=DAY)


def test_signals_endpoint_needs_csrf_and_stores_no_person(tree: Any, make_citizen: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_citizen(tree.commune_a))
    assert client.post("/app/signals/", {"signal": "install"}).status_code == 403
    client.get("/")  # the page sets the CSRF cookie its script sends back
    token = client.cookies["csrftoken"].value
    response = client.post("/app/signals/", {"signal": "install"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 204
    assert AdoptionDaily.objects.get(commune=tree.commune_a).installs == 1
    assert not AuditEntry.objects.filter(target_type__startswith="portal.adoption").exists()
    bad = client.post("/app/signals/", {"signal": "track-me"}, HTTP_X_CSRFTOKEN=token)
    assert bad.status_code == 400
