"""The admin's sign-in page."""

from __future__ import annotations

from govhub.identity.admin.site import AdminLoginForm
from govhub.identity.sign_in.views import SignInView


class AdminSignInView(SignInView):
    """The admin's sign-in page: the same password step (so the second factor follows),
    with the admin's rule that only officials holding an administrative role get in."""

    authentication_form = AdminLoginForm
