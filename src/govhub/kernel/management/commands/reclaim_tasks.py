from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govhub.kernel.task_retry import LEASE_SECONDS, reclaim_abandoned_tasks


class Command(BaseCommand):
    help = ("Put back in the queue the background tasks a worker claimed and never finished "
            "(run it before starting workers, or every few minutes).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lease-seconds", type=float, default=LEASE_SECONDS,
                            help=f"how long a task may run (default {LEASE_SECONDS})")

    def handle(self, *args: Any, lease_seconds: float, **options: Any) -> None:
        count = reclaim_abandoned_tasks(lease_seconds=lease_seconds)
        self.stdout.write(f"{count} abandoned task(s) put back in the queue")
