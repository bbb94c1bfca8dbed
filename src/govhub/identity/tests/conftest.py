# The agency-scope matrix's fixtures, shared by the scope and audit tests of this package.
from tests.support.scope_matrix import commune_admin, role, scene  # noqa: F401 - pytest fixtures
