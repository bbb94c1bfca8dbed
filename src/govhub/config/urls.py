from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from govhub.config.api import api
from govhub.identity.admin_site import site as admin_site
from govhub.kernel.views import problem_type
from govhub.portal import views as portal_views

urlpatterns = [
    path("api/", api.urls),
    path("problems/<slug:slug>", problem_type, name="problem-type"),
    path("health", portal_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
]
# Vietnamese at the bare URLs, English under /en/ (prefix_default_language=False).
urlpatterns += i18n_patterns(
    path("", portal_views.home, name="home"),
    path("admin/", admin_site.urls),
    prefix_default_language=False,
)
