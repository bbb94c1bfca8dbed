"""The API root at /api/: one django-ninja API that every context adds its router to.
OpenAPI 3 at /api/openapi.json, interactive docs at /api/docs."""


from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import SessionAuth

import govhub
from govhub.identity.api import audit_router
from govhub.identity.api import router as identity_router
from govhub.identity.api_auth import AccessTokenAuth
from govhub.integration.api import router as integration_router
from govhub.kernel.errors import install_problem_handlers
from govhub.kernel.openapi import declare_problem_responses
from govhub.kernel.throttling import AnonymousRate, AuthenticatedRate


class GovhubApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_problem_responses(document)


api = GovhubApi(
    title="govhub API",
    version=govhub.__version__,
    description=(
        "Control-plane API of govhub. Errors are RFC 9457 problem+json. "
        "Authenticate with the browser's session (cookie + CSRF token) or with an OAuth 2 "
        "bearer access token from govhub's single sign-on that carries the `api` scope; "
        "either way the call has the signed-in person's roles."
    ),
    urls_namespace="api",
    auth=[AccessTokenAuth(), SessionAuth()],
    throttle=[AnonymousRate(), AuthenticatedRate()],
)
install_problem_handlers(api)
api.add_router("/identity", identity_router)
api.add_router("/audit", audit_router)
api.add_router("/integration", integration_router)


@api.get("/", auth=None, summary="API root", include_in_schema=False)
def root(request: HttpRequest) -> dict[str, Any]:
    return {
        "name": "govhub",
        "version": govhub.__version__,
        "openapi": request.build_absolute_uri("/api/openapi.json"),
        "docs": request.build_absolute_uri("/api/docs"),
    }
