from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from govhub.identity.models import Account
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.identity.sso import signing_keys


class Command(BaseCommand):
    help = ("OpenID Connect signing keys: `list` them, `rotate` (a new key signs; the old one "
            "stays published until its ID tokens expire), `retire` (destroy keys past that).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "rotate", "retire"])
        parser.add_argument("--as", dest="username", default=None,
                            help="the platform administrator doing it (recorded in the audit "
                                 "log); required for rotate and retire")

    def handle(self, *args: Any, action: str, username: str | None, **options: Any) -> None:
        if action == "list":
            self._list()
            return
        actor = self._administrator(username)
        if action == "rotate":
            key = signing_keys.rotate_signing_key(actor=actor)
            self.stdout.write(f"New signing key {key.kid}; previous keys stay published until "
                              "the ID tokens they signed expire.")
        else:
            retired = signing_keys.retire_signing_keys(actor=actor)
            self.stdout.write(f"Retired {len(retired)} key(s): {', '.join(retired) or '-'}")

    def _administrator(self, username: str | None) -> Account:
        account = Account.objects.filter(username=username).first() if username else None
        if account is None or not access_for(account).covers_everything(roles.MANAGE_ACCOUNT):
            raise CommandError("Name a platform administrator with --as USERNAME.")
        return account

    def _list(self) -> None:
        now = timezone.now()
        for key in signing_keys.published_keys():
            state = "signing" if key.deactivated_at is None else (
                f"published until {timezone.localtime(key.published_until):%H:%M %d/%m/%Y}"
                if key.published_until and key.published_until > now else "expired")
            self.stdout.write(f"{key.kid}  created {timezone.localtime(key.created_at):%d/%m/%Y}"
                              f"  {state}")
