"""``govhub createsuperuser``: the first administrator of a new installation.

It replaces django.contrib.auth's command of the same name (govhub.identity comes before
django.contrib.auth in INSTALLED_APPS, so Django finds this one first): there is no
``is_superuser`` in govhub (ADR 0007), so the account is made by the accounts service like
every other one — validated, audited, and holding the platform administrator role in the
top-level agency — rather than by the model manager."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhub.identity.people.services import accounts
from govhub.kernel.actors import SystemActor


class Command(BaseCommand):
    help = ("Create the first platform administrator: an official of the top-level agency "
            "(run import_province first). Without a terminal, give --no-input and the "
            "password in DJANGO_SUPERUSER_PASSWORD, as with Django's own command.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username")
        parser.add_argument("--full_name", "--full-name", dest="full_name")
        parser.add_argument("--email")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="ask nothing; read what is missing from DJANGO_SUPERUSER_*")

    def handle(self, *args: Any, username: str | None, full_name: str | None,
               email: str | None, interactive: bool, **options: Any) -> None:
        username = username or os.environ.get("DJANGO_SUPERUSER_USERNAME")
        full_name = full_name or os.environ.get("DJANGO_SUPERUSER_FULL_NAME")
        email = email or os.environ.get("DJANGO_SUPERUSER_EMAIL")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if interactive:
            username = username or input("Username: ").strip()
            full_name = full_name or input("Full name: ").strip()
            password = password or self._ask_password()
        if not username or not password:
            raise CommandError("A username and a password are needed (--username, "
                               "DJANGO_SUPERUSER_PASSWORD).")
        try:
            account = accounts.create_platform_admin(
                actor=SystemActor("createsuperuser"), username=username,
                full_name=full_name or username, email=email, password=password)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Platform administrator {account.username} created in "
                          f"{account.agency}.")

    def _ask_password(self) -> str:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("The two passwords differ.")
        return password
