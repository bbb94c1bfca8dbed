from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from govhub.config.api import api
from govhub.identity.admin.sign_in import AdminSignInView
from govhub.identity.admin.site import site as admin_site
from govhub.identity.sso import views as sso_views
from govhub.kernel.views import problem_type
from govhub.portal import views as portal_views
from govhub.portal.urls import pwa_urlpatterns

urlpatterns = [
    path("api/", api.urls),
    path("o/", include("govhub.identity.urls")),
    # OpenID Connect Discovery 1.0 §4: the issuer is the site root.
    path(".well-known/openid-configuration", sso_views.DiscoveryView.as_view(),
         name="openid-configuration"),
    # RFC 8414 §3: the same document at the OAuth 2 well-known URI (issuer without a path).
    path(".well-known/oauth-authorization-server", sso_views.DiscoveryView.as_view(),
         name="oauth-authorization-server"),
    path("problems/<slug:slug>", problem_type, name="problem-type"),
    path("health", portal_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    *pwa_urlpatterns,  # /manifest.webmanifest and /sw.js: root scope for the citizen app
]
# Vietnamese at the bare URLs, English under /en/ (prefix_default_language=False).
urlpatterns += i18n_patterns(
    path("", include("govhub.portal.urls")),  # the citizen app: home, mini-apps, profile
    path("", include("govhub.integration.urls")),
    # The admin's own login would log in on a password alone; this one asks the second
    # factor that administrators' roles require (ADR 0012).
    path("admin/login/", AdminSignInView.as_view()),
    path("admin/", admin_site.urls),
    path("", include("govhub.identity.urls_pages")),  # sign-in, sign-out, account pages
    prefix_default_language=False,
)
