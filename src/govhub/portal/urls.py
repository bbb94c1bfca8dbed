"""The citizen app's pages, under the language prefix (Vietnamese bare, English at /en/)."""

from django.urls import path

from govhub.portal import app_sign_in, views, views_app, views_pwa

urlpatterns = [
    path("", views.home, name="home"),
    path("apps/<slug:code>/", views.mini_app, name="mini-app"),
    path("offline/", views.offline, name="offline"),
    path("app/login/", app_sign_in.AppSignInView.as_view(), name="app-login"),
    path("app/profile/", views_app.profile, name="app-profile"),
    path("app/rate/", views_app.rate, name="app-rate"),
    path("app/rate/<slug:code>/", views_app.rate, name="mini-app-rate"),
    path("app/signals/", views_app.adoption_signal, name="app-signal"),
    path("app/push-device/", views_app.push_device, name="app-push-device"),
]

# Root scope, outside the language prefix: one worker and one manifest for the whole site.
pwa_urlpatterns = [
    path("manifest.webmanifest", views_pwa.manifest, name="manifest"),
    path("sw.js", views_pwa.service_worker, name="service-worker"),
    # The redirect URI registered for the app's client, exactly (RFC 6749 §3.1.2).
    path("app/callback", app_sign_in.AppCallbackView.as_view(), name="app-callback"),
]
