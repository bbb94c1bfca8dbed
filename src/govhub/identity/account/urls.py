"""Routes of the person's own security page (included inside ``i18n_patterns``: Vietnamese at
the bare URLs, English under /en/)."""

from django.urls import path

from govhub.identity.account import security

urlpatterns = [
    # Bảo mật tài khoản.
    path("account/security/", security.security, name="account-security"),
    path("account/security/authenticator-app/", security.authenticator_app,
         name="account-security-app"),
    path("account/security/authenticator-app/remove/", security.remove_authenticator_app,
         name="account-security-app-remove"),
    path("account/security/passkeys/options/", security.passkey_options,
         name="account-security-passkey-options"),
    path("account/security/passkeys/", security.passkey_register,
         name="account-security-passkey"),
    path("account/security/passkeys/<uuid:passkey_id>/remove/", security.remove_passkey,
         name="account-security-passkey-remove"),
    path("account/security/backup-codes/", security.regenerate_backup_codes,
         name="account-security-backup-codes"),
]
