"""govhub_gateway: the data plane of the integration hub (ADR 0006).

It imports no Django and nothing of ``govhub`` (import-linter enforces it) so that it keeps
serving from its last configuration snapshot while the control plane is down
(docs/exchange-contract.md, control plane and data plane). Its shared wire models come from
``govhub_contracts``. The proxy itself lands with the integration-hub issue.
"""

from govhub_contracts.problem import MEDIA_TYPE as PROBLEM_MEDIA_TYPE

__all__ = ["PROBLEM_MEDIA_TYPE"]
