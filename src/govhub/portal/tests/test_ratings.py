"""Listening to users: one editable rating per person and item, averages and
a weekly trend for administrators."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from govhub.identity.people import roles
from govhub.kernel.models import AuditEntry
from govhub.portal import queries, services
from govhub.portal.models import Rating

pytestmark = pytest.mark.django_db


def test_second_rating_replaces_the_first(tree: Any, make_citizen: Any, make_app: Any) -> None:
    citizen, item = make_citizen(tree.commune_a), make_app("vnedu")
    services.rate_item(actor=citizen, mini_app=item, stars=2, comment="Chậm")
    services.rate_item(actor=citizen, mini_app=item, stars=5, comment="Đã nhanh hơn")
    rating = Rating.objects.get(account=citizen, mini_app=item)
    assert (rating.stars, rating.comment) == (5, "Đã nhanh hơn")
    assert AuditEntry.objects.filter(target_id=str(rating.pk)).count() == 2


def test_rating_of_the_app_and_of_a_mini_app_are_separate(tree: Any, make_citizen: Any,
                                                          make_app: Any) -> None:
    citizen = make_citizen(tree.commune_a)
    services.rate_item(actor=citizen, mini_app=None, stars=4)
    services.rate_item(actor=citizen, mini_app=None, stars=3)
    services.rate_item(actor=citizen, mini_app=make_app("smas"), stars=1)
    assert Rating.objects.filter(account=citizen).count() == 2
    assert queries.own_rating(citizen, None).stars == 3  # type: ignore[union-attr]


@pytest.mark.parametrize("stars", [0, 6])
def test_stars_outside_one_to_five_are_refused(tree: Any, make_citizen: Any,
                                               stars: int) -> None:
    with pytest.raises(ValidationError):
        services.rate_item(actor=make_citizen(tree.commune_a), mini_app=None, stars=stars)


def test_visitor_not_signed_in_cannot_rate(db: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.rate_item(actor=AnonymousUser(), mini_app=None, stars=5)


def test_rating_form_on_a_mini_app_page(tree: Any, make_citizen: Any, make_app: Any,
                                        client: Client) -> None:
    make_app("vncare")
    client.force_login(make_citizen(tree.commune_a))
    response = client.post("/app/rate/vncare/", {"stars": "4", "comment": "Tốt"}, follow=True)
    assert response.redirect_chain[-1][0] == "/apps/vncare/"
    # Back on the page, the form shows the saved rating, ready to be changed.
    assert re.search(r'<input[^>]*value="4"[^>]*checked', response.content.decode())
    assert (Rating.objects.get().stars, Rating.objects.get().comment) == (4, "Tốt")


def test_cannot_rate_another_communes_entry(tree: Any, make_citizen: Any, make_app: Any,
                                            client: Client) -> None:
    make_app("only-b", communes=[tree.commune_b])
    client.force_login(make_citizen(tree.commune_a))
    assert client.post("/app/rate/only-b/", {"stars": "5"}).status_code == 404
    assert not Rating.objects.exists()


def test_weekly_trend_averages_per_week(tree: Any, make_citizen: Any, make_app: Any) -> None:
    item = make_app("postmart")
    now = timezone.now()
    for stars, days_ago in [(2, 14), (4, 14), (5, 0), (4, 0), (3, 0)]:
        rating = services.rate_item(actor=make_citizen(tree.commune_a), mini_app=item,
                                    stars=stars)
        Rating.objects.filter(pk=rating.pk).update(
            updated_at=now - dt.timedelta(days=days_ago))
    trend = queries.weekly_trend(item)
    assert [(w.average, w.count) for w in trend] == [(3.0, 2), (4.0, 3)]
    assert trend[0].week < trend[1].week


def test_admin_sees_average_and_trend(tree: Any, make_official: Any, make_citizen: Any,
                                      make_app: Any, client: Client) -> None:
    item = make_app("voso", owner=tree.department)
    for stars in (5, 3):
        services.rate_item(actor=make_citizen(tree.commune_a), mini_app=item, stars=stars,
                           comment=f"Nhận xét {stars}")
    admin = make_official(tree.committee, roles.PLATFORM_ADMIN)
    client.force_login(admin)
    catalog = client.get("/admin/portal/miniapp/").content.decode()
    assert "4.0" in catalog
    page = client.get(f"/admin/portal/rating/?mini_app__id__exact={item.pk}").content.decode()
    assert "Nhận xét 5" in page
    assert "data-trend" in page
