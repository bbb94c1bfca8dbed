"""Helpers shared by the tests of every package: importable (``tests.support.…``), never
collected (no module here is named ``test_*.py``). Nothing here imports Django at import time
unless its name says so (``scope_matrix``), so the gateway's and the sandboxes' tests can use
the rest."""
