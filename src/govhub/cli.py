"""The ``govhub`` console script: ``govhub demo`` runs the whole demo on one machine; every
other sub-command is a Django management command (``govhub migrate``, ``govhub
import_province 96``, ``govhub seed_demo``, …).

Beside a demo (its ``var/secrets/`` in the working directory, or under ``GOVHUB_DATA_DIR``)
the other commands use the demo's secrets and settings, as ``govhub demo`` does; with no
secrets at all they say in one line what to set instead of a Django traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SETTINGS_MODULE = "govhub.config.settings"
# Django answers these without the project's settings (it lists its own commands).
WITHOUT_SETTINGS = {"help", "--help", "-h", "version", "--version"}


def _secrets_or_explanation() -> str | None:
    """Fill in the demo's secret files when they exist; the one-line explanation when the
    secrets are still missing after that, else None."""
    from govhub.config.environment import Environment
    from govhub.demo import existing_demo_environment

    if not Environment().missing_secrets():
        return None
    data_dir = Path(os.environ.get("GOVHUB_DATA_DIR", "var"))
    os.environ.update(existing_demo_environment(data_dir.resolve()))
    environment = Environment()
    return environment.missing_secrets_message() if environment.missing_secrets() else None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        from govhub.demo import run_demo

        return run_demo(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if (os.environ["DJANGO_SETTINGS_MODULE"] == SETTINGS_MODULE and len(argv) > 1
            and argv[1] not in WITHOUT_SETTINGS):
        explanation = _secrets_or_explanation()
        if explanation:
            print(f"govhub: {explanation}", file=sys.stderr)
            return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
