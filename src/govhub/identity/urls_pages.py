"""Sign-in and account pages (included inside ``i18n_patterns``: Vietnamese at the bare URLs,
English under /en/). The OpenID provider's own routes are in ``urls`` (at /o/), the second
factor's in ``urls_second_factor``."""

from django.urls import path

from govhub.identity import phone_sign_in
from govhub.identity import views as identity_views
from govhub.identity import views_account as account_views
from govhub.identity import views_federation as federation_views

urlpatterns = [
    path("login/", identity_views.SignInView.as_view(), name="login"),
    path("login/phone/", phone_sign_in.PhoneView.as_view(), name="login-phone"),
    path("login/phone/code/", phone_sign_in.CodeView.as_view(), name="login-phone-code"),
    path("login/phone/register/", phone_sign_in.RegisterView.as_view(),
         name="login-phone-register"),
    path("login/vneid/", federation_views.VneidSignInView.as_view(), name="vneid-login"),
    path("login/vneid/callback/", federation_views.VneidCallbackView.as_view(),
         name="vneid-callback"),
    path("logout/", identity_views.SignOutView.as_view(), name="logout"),
    path("account/sessions/", account_views.SessionsView.as_view(), name="account-sessions"),
    path("account/apps/", account_views.AppsView.as_view(), name="account-apps"),
]
