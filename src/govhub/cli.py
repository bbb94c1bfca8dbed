"""The ``govhub`` console script: ``govhub demo`` runs the whole demo on one machine; every
other sub-command is a Django management command (``govhub migrate``, ``govhub
import_province 96``, ``govhub seed_demo``, …)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        from govhub.demo import run_demo

        return run_demo(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhub.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
