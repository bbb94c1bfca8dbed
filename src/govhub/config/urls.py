from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from govhub.config.api import api
from govhub.identity import views as identity_views
from govhub.identity.admin_site import site as admin_site
from govhub.kernel.views import problem_type
from govhub.portal import views as portal_views

urlpatterns = [
    path("api/", api.urls),
    path("o/", include("govhub.identity.urls")),
    # OpenID Connect Discovery 1.0 §4: the issuer is the site root.
    path(".well-known/openid-configuration", identity_views.DiscoveryView.as_view(),
         name="openid-configuration"),
    path("problems/<slug:slug>", problem_type, name="problem-type"),
    path("health", portal_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
]
# Vietnamese at the bare URLs, English under /en/ (prefix_default_language=False).
urlpatterns += i18n_patterns(
    path("", portal_views.home, name="home"),
    path("admin/", admin_site.urls),
    path("login/", identity_views.SignInView.as_view(), name="login"),
    path("logout/", identity_views.SignOutView.as_view(), name="logout"),
    prefix_default_language=False,
)
