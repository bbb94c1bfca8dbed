from govhub.integration.tests.fixtures import hub  # noqa: F401 - a pytest fixture
