from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from govhub.config.api import api
from govhub.identity import views as identity_views
from govhub.identity import views_second_factor as second_factor_views
from govhub.identity.admin_site import site as admin_site
from govhub.kernel.views import problem_type
from govhub.portal import views as portal_views
from govhub.portal.urls import pwa_urlpatterns

urlpatterns = [
    path("api/", api.urls),
    path("o/", include("govhub.identity.urls")),
    # OpenID Connect Discovery 1.0 §4: the issuer is the site root.
    path(".well-known/openid-configuration", identity_views.DiscoveryView.as_view(),
         name="openid-configuration"),
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
    # factor that administrators' roles require (issue 3 §3).
    path("admin/login/", second_factor_views.AdminSignInView.as_view()),
    path("admin/", admin_site.urls),
    path("", include("govhub.identity.urls_pages")),  # sign-in, sign-out, account pages
    path("", include("govhub.identity.urls_second_factor")),
    prefix_default_language=False,
)
