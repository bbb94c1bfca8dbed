from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhub.identity.organisation import provinces
from govhub.identity.organisation.services import agencies
from govhub.kernel.actors import SystemActor


class Command(BaseCommand):
    help = "Create or update a province and all its communes and wards from the official list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("province_code", nargs="?", type=int, default=provinces.CA_MAU,
                            help="official province code (default 96, Cà Mau)")

    def handle(self, *args: Any, province_code: int, **options: Any) -> None:
        try:
            province, created, updated = agencies.import_province(
                actor=SystemActor("import_province"), province_code=province_code)
        except ValueError as error:
            raise CommandError(str(error)) from error
        communes = province.children.filter(kind__in=["commune", "ward", "special_zone"]).count()
        self.stdout.write(f"{province.name}: {communes} communes and wards "
                          f"({created} created, {updated} updated)")
