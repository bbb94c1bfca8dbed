"""The agency-scope matrix shared by the API's and the admin's scope tests: every built-in
role bound to the agency it is granted in, in both directions between two sibling communes,
with the accounts and role assignments each side holds (ADR 0007: reads and writes are
scoped by agency). Imports Django models: for the control plane's tests only.

The fixtures (``role``, ``scene``, ``commune_admin``) reach a test package through its
``conftest.py``; the test modules import only :class:`Scene` and the constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from govhub.identity.models import Account, RoleAssignment
from govhub.identity.people import roles

# Every built-in role that is bound to the agency it is granted in.
SCOPED_ROLES = [r.code for r in roles.BUILTIN_ROLES if not r.is_global]
# Both directions: an actor in the first commune aims at the second.
DIRECTIONS = [("commune_a", "commune_b"), ("commune_b", "commune_a")]
DIRECTION_IDS = ["a-targets-b", "b-targets-a"]


def permissions_of(role_code: str) -> frozenset[str]:
    return roles.BUILTIN_BY_CODE[role_code].permissions


def ids(*objects: Any) -> set[str]:
    return {str(o.pk) for o in objects}


@dataclass
class Scene:
    """An actor holding ``role`` in ``home``; an official (with a role) and a citizen on
    each side."""

    role: str
    actor: Account
    home: Any
    other: Any
    own_official: Account
    own_citizen: Account
    own_assignment: RoleAssignment
    other_official: Account
    other_citizen: Account
    other_assignment: RoleAssignment

    @property
    def sees_accounts(self) -> bool:
        return roles.VIEW_ACCOUNT in permissions_of(self.role)

    @property
    def manages_accounts(self) -> bool:
        return roles.MANAGE_ACCOUNT in permissions_of(self.role)

    @property
    def manages_roles(self) -> bool:
        return roles.MANAGE_ROLES in permissions_of(self.role)

    def other_accounts(self) -> list[Account]:
        return [self.other_official, self.other_citizen]


@pytest.fixture(params=SCOPED_ROLES)
def role(request: Any) -> str:
    return str(request.param)


@pytest.fixture(params=DIRECTIONS, ids=DIRECTION_IDS)
def scene(request: Any, role: str, tree: Any, make_official: Any, make_citizen: Any,
          client: Any) -> Scene:
    """The matrix's case, with the actor signed in to the test client."""
    home, other = (getattr(tree, name) for name in request.param)
    own_official = make_official(home, roles.LEADER)
    other_official = make_official(other, roles.LEADER)
    actor = make_official(home, role)
    client.force_login(actor)
    return Scene(
        role=role, actor=actor, home=home, other=other,
        own_official=own_official, own_citizen=make_citizen(home),
        own_assignment=RoleAssignment.objects.get(account=own_official),
        other_official=other_official, other_citizen=make_citizen(other),
        other_assignment=RoleAssignment.objects.get(account=other_official),
    )


@pytest.fixture
def commune_admin(client: Any, tree: Any, make_official: Any) -> Account:
    """An agency administrator of commune A, signed in to the test client."""
    admin = make_official(tree.commune_a, roles.AGENCY_ADMIN)
    client.force_login(admin)
    return admin
