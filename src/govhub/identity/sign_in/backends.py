"""Password sign-in by username or e-mail. Permissions come from govhub's roles
(:mod:`govhub.identity.people.access`), not Django's per-model permission tables, so this backend
answers none of Django's permission questions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from govhub.identity.models import Account


class AccountBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None,
        password: str | None = None, **kwargs: Any,
    ) -> Account | None:
        if not username or not password:
            return None
        account = Account.objects.filter(
            Q(username__iexact=username) | Q(email__iexact=username)
        ).first()
        if account is None:
            # Same cost as a real check, so response time does not reveal which
            # usernames exist (Django's ModelBackend does the same).
            Account().set_password(password)
            return None
        if account.check_password(password) and self.user_can_authenticate(account):
            return account
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
