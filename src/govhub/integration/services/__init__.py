"""Every write of the integration hub: ``verb_noun(*, …, actor)``, one transaction, authorised
with ``integration.operate`` in the object's agency, audited, and — when it changes what the
gateways enforce — followed by a new config snapshot on commit."""

from govhub.integration.services.agreements import (
    approve_agreement,
    refuse_agreement,
    request_agreement,
    revoke_agreement,
    set_quota,
    submit_agreement,
)
from govhub.integration.services.catalogue import (
    add_maintenance_window,
    create_service,
    import_description,
    set_endpoints,
    set_operation_data_class,
    update_service,
)
from govhub.integration.services.credentials import (
    bind_certificate,
    bind_oauth_client,
    create_oauth_client,
    issue_api_key,
    revoke_api_key,
    revoke_certificate,
    rotate_api_key,
)
from govhub.integration.services.gateways import (
    record_heartbeat,
    register_gateway,
    rotate_gateway_token,
    store_evidence,
)
from govhub.integration.services.registry import (
    create_member,
    create_system,
    update_member,
    update_system,
)

__all__ = [
    "add_maintenance_window", "approve_agreement", "bind_certificate", "bind_oauth_client",
    "create_member", "create_oauth_client", "create_service", "create_system",
    "import_description", "issue_api_key", "record_heartbeat", "refuse_agreement",
    "register_gateway", "request_agreement", "revoke_agreement", "revoke_api_key",
    "revoke_certificate", "rotate_api_key", "rotate_gateway_token", "set_endpoints",
    "set_operation_data_class", "set_quota", "store_evidence", "submit_agreement",
    "update_member", "update_service", "update_system",
]
