"""``govhub evidence verify [--gateway CODE]``: check the stored evidence chains, and compare
them with the gateways' last reported heads and the signed checkpoints (ADR 0016); exit
code 1 on any break, so a cron job or monitoring probe can alert on it.
``govhub evidence checkpoint``: sign a checkpoint of every gateway's newest record now.
``govhub evidence public-key``: the checkpoints' public key (PEM), for auditors."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from govhub.integration import evidence_signing
from govhub.integration.evidence_chain_check import verify_all
from govhub.integration.services.checkpoints import write_evidence_checkpoints
from govhub.kernel.actors import SystemActor


class Command(BaseCommand):
    help = "Kiểm tra tính toàn vẹn của chuỗi bằng chứng trao đổi dữ liệu."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="Kiểm tra chuỗi hash của từng gateway.")
        verify.add_argument("--gateway", default=None, help="Chỉ kiểm tra gateway này.")
        checkpoint = actions.add_parser(
            "checkpoint", help="Ký điểm mốc cho bản ghi mới nhất của từng gateway.")
        checkpoint.add_argument("--gateway", default=None, help="Chỉ gateway này.")
        actions.add_parser("public-key", help="Khóa công khai (PEM) để kiểm tra điểm mốc.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            written = write_evidence_checkpoints(actor=SystemActor("govhub evidence checkpoint"),
                                                 gateway=options.get("gateway"))
            for checkpoint in written:
                self.stdout.write(f"Điểm mốc: gateway {checkpoint.gateway}, "
                                  f"số thứ tự {checkpoint.sequence}")
            return
        if options["action"] == "public-key":
            self.stdout.write(evidence_signing.public_key_pem(), ending="")
            return
        total, breaks = verify_all(options.get("gateway"))
        if not breaks:
            self.stdout.write(f"Chuỗi bằng chứng toàn vẹn: {total} bản ghi")
            return
        for found in breaks:
            request_id = f", request id {found.request_id}" if found.request_id else ""
            self.stdout.write(f"Gateway {found.gateway}, số thứ tự {found.sequence}"
                              f"{request_id}: {found.reason}")
        self.stdout.flush()
        sys.exit(1)
