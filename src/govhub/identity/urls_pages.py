"""Sign-in and account pages (included inside ``i18n_patterns``: Vietnamese at the bare URLs,
English under /en/). The OpenID provider's own routes are in ``urls`` (at /o/); the second
step's in ``sign_in.urls``, the account security pages' in ``account.urls``."""

from django.urls import include, path

from govhub.identity.account import sessions as account_views
from govhub.identity.federation import views as federation_views
from govhub.identity.phone import views as phone_sign_in
from govhub.identity.sign_in import views as sign_in_views

urlpatterns = [
    path("login/", sign_in_views.SignInView.as_view(), name="login"),
    path("login/phone/", phone_sign_in.PhoneView.as_view(), name="login-phone"),
    path("login/phone/code/", phone_sign_in.CodeView.as_view(), name="login-phone-code"),
    path("login/phone/register/", phone_sign_in.RegisterView.as_view(),
         name="login-phone-register"),
    path("login/vneid/", federation_views.VneidSignInView.as_view(), name="vneid-login"),
    path("login/vneid/callback/", federation_views.VneidCallbackView.as_view(),
         name="vneid-callback"),
    path("login/vneid/backchannel-logout/",
         federation_views.VneidBackchannelLogoutView.as_view(),
         name="vneid-backchannel-logout"),
    path("logout/", sign_in_views.SignOutView.as_view(), name="logout"),
    path("account/sessions/", account_views.SessionsView.as_view(), name="account-sessions"),
    path("account/apps/", account_views.AppsView.as_view(), name="account-apps"),
    path("", include("govhub.identity.sign_in.urls")),
    path("", include("govhub.identity.account.urls")),
]
