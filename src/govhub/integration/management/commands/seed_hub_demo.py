"""``govhub seed_hub_demo``: the integration hub's part of the demo (after ``seed_demo``)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhub.identity import queries as identity_queries
from govhub.identity.demo import AGENCIES
from govhub.integration import demo


class Command(BaseCommand):
    help = ("Register the sandbox providers, a demo consumer with approved agreements and an "
            "API key, a refused agreement, the citizen app and the land-parcel mini-app as "
            "consumers with their keys, and the demo gateway (run seed_demo first).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gateway-admin-url", default="http://127.0.0.1:8081",
                            help="where the control plane pushes 'refresh your snapshot'")
        for name, url in demo.UPSTREAM_URLS.items():
            parser.add_argument(f"--{name}-url", default=url,
                                help=f"the sandbox {name} provider (default {url})")

    def handle(self, *args: Any, **options: Any) -> None:
        found = {key: identity_queries.agency_by_electronic_id_code(code)
                 for key, _parent, _kind, _name, _short, code in AGENCIES}
        agencies = {key: agency for key, agency in found.items() if agency is not None}
        if len(agencies) < len(found):
            raise CommandError("The demo agencies are missing: run seed_demo first.")
        hub = demo.seed(agencies, gateway_admin_url=options["gateway_admin_url"],
                        upstream_urls={name: options[f"{name}_url"]
                                       for name in demo.UPSTREAM_URLS})
        self.stdout.write("Integration hub (trục liên thông): gateway "
                          f"{hub.gateway_code}; keys in {demo.secrets_file()}")
        self.stdout.write(f"  consumer {hub.consumer} (approved agreements): {hub.consumer_key}")
        self.stdout.write(f"  consumer {hub.other_consumer} (no agreement): {hub.other_key}")
        self.stdout.write(f"  consumer {hub.portal_consumer} (citizen app cards: prices, "
                          f"weather, events): {hub.portal_key}")
        self.stdout.write(f"  consumer {hub.miniapp_consumer} (land-parcel mini-app): "
                          f"{hub.miniapp_key}")
