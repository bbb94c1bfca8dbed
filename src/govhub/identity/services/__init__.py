"""Every write of the identity context (docs/development.md): one function per action, one
transaction, authorised through :mod:`govhub.identity.access`, an audit entry with
before/after values, and a domain event published on commit. Split by aggregate; import
from here."""

from govhub.identity.services import consents
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
from govhub.identity.services.citizens import register_citizen_by_phone
from govhub.identity.services.clients import (
    register_client,
    rotate_client_secret,
    update_client,
)
from govhub.identity.services.federation import (
    AccountDisabledError,
    FederatedIdentity,
    sign_in_with_vneid,
)
from govhub.identity.services.grants import grant_role, revoke_role, sync_builtin_roles
from govhub.identity.services.keys import rotate_signing_key
from govhub.identity.services.role_settings import update_role
from govhub.identity.services.second_factor import (
    regenerate_backup_codes,
    register_passkey,
    remove_authenticator_app,
    remove_passkey,
    reset_second_factors,
    set_up_authenticator_app,
    use_authenticator_app,
    use_backup_code,
    use_passkey,
)
from govhub.identity.services.sign_in import end_sign_in

__all__ = [
    "ACCOUNT_FIELDS",
    "AGENCY_FIELDS",
    "AccountDisabledError",
    "FederatedIdentity",
    "consents",
    "create_account",
    "create_agency",
    "create_platform_admin",
    "end_sign_in",
    "grant_role",
    "import_province",
    "regenerate_backup_codes",
    "register_citizen_by_phone",
    "register_client",
    "register_passkey",
    "remove_authenticator_app",
    "remove_passkey",
    "reset_second_factors",
    "revoke_role",
    "rotate_client_secret",
    "rotate_signing_key",
    "set_account_password",
    "set_up_authenticator_app",
    "sign_in_with_vneid",
    "sync_builtin_roles",
    "update_account",
    "update_agency",
    "update_client",
    "update_role",
    "use_authenticator_app",
    "use_backup_code",
    "use_passkey",
]
