"""The problem+json responses of every operation, declared in the OpenAPI document.

django-ninja documents only the success responses an operation names, yet every operation
answers errors as RFC 9457 problems (``errors.install_problem_handlers``). Generated clients
and contract testers (schemathesis's "status code conformance" and "response schema
conformance" checks) read the document, so each operation lists the problems it can return,
all with one ``Problem`` schema (``govhub_contracts.problem.Problem``) under the media type
``application/problem+json`` (RFC 9457 §3). Which ones follows from the operation's shape:

* 400: a JSON body that cannot be read, or a ``page`` past any possible row;
* 401 and 403: an operation that needs credentials (and the permission checks behind it);
* 404: an id in the path (unknown and out of scope look the same);
* 409: a write that can collide with existing data;
* 422: any parameter or body field that can be invalid;
* 429: every operation is rate-limited, failed authentications included.

An operation that declares one of these statuses itself keeps its own declaration; one that
returns a problem its shape does not show lists the statuses in ``openapi_extra``'s
``x-problems`` (an OpenAPI specification extension, §4.9).
"""

from __future__ import annotations

from typing import Any

from govhub.kernel import problems
from govhub_contracts.problem import MEDIA_TYPE, Problem

SCHEMA_NAME = "Problem"
EXTRA_KEY = "x-problems"
_REF_TEMPLATE = "#/components/schemas/{model}"
_WRITES = frozenset({"post", "put", "patch", "delete"})
_DESCRIPTIONS = {
    400: problems.MALFORMED, 401: problems.NOT_AUTHENTICATED, 403: problems.PERMISSION_DENIED,
    404: problems.NOT_FOUND, 409: problems.CONFLICT, 422: problems.VALIDATION,
    429: problems.RATE_LIMITED,
}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    found = {429, *operation.pop(EXTRA_KEY, [])}
    if has_body or any(p.get("name") == "page" for p in parameters):
        found.add(400)
    if operation.get("security"):
        found |= {401, 403}
    if "{" in path:
        found.add(404)
    if method in _WRITES:
        found.add(409)
    if has_body or parameters:
        found.add(422)
    return sorted(found)


def _response(status: int) -> dict[str, Any]:
    return {
        "description": str(_DESCRIPTIONS[status].title),
        "content": {MEDIA_TYPE: {"schema": {"$ref": _REF_TEMPLATE.format(model=SCHEMA_NAME)}}},
    }


def declare_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema and each operation's problem responses to ``document``."""
    schema = Problem.model_json_schema(ref_template=_REF_TEMPLATE)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components[SCHEMA_NAME] = schema
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            declared = {int(status) for status in responses}
            for status in _statuses(path, method, operation):
                if status not in declared:
                    responses[status] = _response(status)
    return document
