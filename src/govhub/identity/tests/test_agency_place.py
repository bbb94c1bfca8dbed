"""An agency's kind and its place in the tree change only by a platform administrator: they
decide which communes citizens choose from and which subtree every role covers. Its own
administrator still keeps its name and contacts up to date."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhub.identity.models import Agency, AgencyKind
from govhub.identity.organisation.services.agencies import update_agency
from govhub.identity.people import roles
from govhub.kernel.errors import DomainError
from govhub_contracts.problem import MEDIA_TYPE


def _patch(client: Client, agency: Agency, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/identity/agencies/{agency.pk}", data=json.dumps(body),
                        content_type="application/json")


def _refused_on(response: Any, field: str) -> None:
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    body = json.loads(response.content)
    assert body["type"].endswith("/problems/permission-denied")
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.fixture
def ward_admin(client: Client, tree: Any, make_official: Any) -> Client:
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    return client


def test_agency_admin_cannot_turn_their_ward_into_a_province(ward_admin: Client,
                                                              tree: Any) -> None:
    _refused_on(_patch(ward_admin, tree.commune_a, {"kind": "province"}), "kind")
    tree.commune_a.refresh_from_db()
    assert tree.commune_a.kind == AgencyKind.WARD
    # The ward is still among the communes citizens choose from.
    assert tree.commune_a.is_commune


def test_agency_admin_cannot_move_their_agency(client: Client, tree: Any,
                                               make_official: Any) -> None:
    # An administrator of the whole province manages both places, yet moving is not theirs.
    client.force_login(make_official(tree.province, roles.AGENCY_ADMIN))
    _refused_on(_patch(client, tree.unit, {"parent_id": str(tree.committee.pk)}), "parent")
    tree.unit.refresh_from_db()
    assert tree.unit.parent_id == tree.department.pk


def test_agency_admin_still_renames_and_may_resend_the_same_kind(ward_admin: Client,
                                                                  tree: Any) -> None:
    response = _patch(ward_admin, tree.commune_a, {"name": "Phường An Xuyên mới",
                                                   "kind": AgencyKind.WARD})
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["name"] == "Phường An Xuyên mới"


def test_platform_admin_changes_kind_and_place(client: Client, tree: Any,
                                               make_official: Any) -> None:
    client.force_login(make_official(tree.province, roles.PLATFORM_ADMIN))
    response = _patch(client, tree.unit, {"kind": AgencyKind.DEPARTMENT,
                                          "parent_id": str(tree.committee.pk)})
    assert response.status_code == 200, response.content
    tree.unit.refresh_from_db()
    assert (tree.unit.kind, tree.unit.parent_id) == (AgencyKind.DEPARTMENT, tree.committee.pk)


def test_the_service_enforces_it_for_every_caller(tree: Any, make_official: Any) -> None:
    admin = make_official(tree.commune_a, roles.AGENCY_ADMIN)
    with pytest.raises(DomainError) as refused:
        update_agency(actor=admin, agency=tree.commune_a, kind=AgencyKind.PROVINCE)
    assert [e.field for e in refused.value.errors or []] == ["kind"]
    tree.commune_a.refresh_from_db()
    assert tree.commune_a.kind == AgencyKind.WARD
