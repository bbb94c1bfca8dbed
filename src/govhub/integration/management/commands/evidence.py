"""``govhub evidence verify [--gateway CODE]``: check the stored evidence chains; exit code 1
on any break, so a cron job or monitoring probe can alert on it."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from govhub.integration.evidence_chain_check import verify_all


class Command(BaseCommand):
    help = "Kiểm tra tính toàn vẹn của chuỗi bằng chứng trao đổi dữ liệu."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="Kiểm tra chuỗi hash của từng gateway.")
        verify.add_argument("--gateway", default=None, help="Chỉ kiểm tra gateway này.")

    def handle(self, *args: Any, **options: Any) -> None:
        total, breaks = verify_all(options.get("gateway"))
        if not breaks:
            self.stdout.write(f"Chuỗi bằng chứng toàn vẹn: {total} bản ghi")
            return
        for found in breaks:
            self.stdout.write(f"Gateway {found.gateway}, số thứ tự {found.sequence}, "
                              f"request id {found.request_id}: {found.reason}")
        self.stdout.flush()
        sys.exit(1)
