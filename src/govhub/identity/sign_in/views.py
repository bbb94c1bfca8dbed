"""The password sign-in page (the first factor) and the sign-out page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from govhub.identity.sign_in.flow import complete_sign_in
from govhub.identity.sso.form_action import allow_forms_to_reach, client_of_authorization


class SignInView(auth_views.LoginView):
    """Officials' (and citizens') password sign-in: the first factor, "pwd" (RFC 8176)."""

    template_name = "identity/sign_in.html"

    def form_valid(self, form: Any) -> HttpResponse:
        return complete_sign_in(self.request, form.get_user(), amr=["pwd"],
                                next_url=self.get_redirect_url())

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # The password form signs in and goes on to the app that asked (CSP form-action).
        return allow_forms_to_reach(super().render_to_response(context, **kwargs),
                                    client_of_authorization(self.get_redirect_url()))


class SignOutView(auth_views.LogoutView):
    template_name = "identity/signed_out.html"
