from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    # A model change without its migration would pass the tests (which build the schema
    # from migrations) and break the first deployment that runs `migrate`.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
