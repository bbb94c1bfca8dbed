"""Every write of the identity context (conventions.md): one function per action, one
transaction, authorised through :mod:`govhub.identity.access`, an audit entry with
before/after values, and a domain event published on commit. Split by aggregate; import
from here."""

from govhub.identity.services.accounts import (
    ACCOUNT_FIELDS,
    create_account,
    create_platform_admin,
    set_account_password,
    update_account,
)
from govhub.identity.services.agencies import (
    AGENCY_FIELDS,
    create_agency,
    import_province,
    update_agency,
)
from govhub.identity.services.grants import grant_role, revoke_role, sync_builtin_roles

__all__ = [
    "ACCOUNT_FIELDS",
    "AGENCY_FIELDS",
    "create_account",
    "create_agency",
    "create_platform_admin",
    "grant_role",
    "import_province",
    "revoke_role",
    "set_account_password",
    "sync_builtin_roles",
    "update_account",
    "update_agency",
]
