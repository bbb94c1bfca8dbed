"""OpenID Connect / OAuth 2 endpoints under /o/ (namespace ``oauth2_provider``, the one DOT
reverses), with govhub's own views where it extends DOT."""

from django.urls import path, re_path
from oauth2_provider import views as dot

from govhub.identity.sso import views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("token/", views.TokenEndpointView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("logout/", dot.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
    re_path(r"^\.well-known/openid-configuration/?$", views.DiscoveryView.as_view(),
            name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", views.JwksView.as_view(), name="jwks-info"),
]
