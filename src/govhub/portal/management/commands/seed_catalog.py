from typing import Any

from django.core.management.base import BaseCommand

from govhub.portal.catalog_seed import seed_catalog


class Command(BaseCommand):
    help = "Add the demo catalog of mini-apps (CaMau-G's integrations); entries already "\
           "there are left as they are."

    def handle(self, *args: Any, **options: Any) -> None:
        entries = seed_catalog()
        self.stdout.write(f"Catalog: {len(entries)} mini-apps")
