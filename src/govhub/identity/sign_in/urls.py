"""Routes of the second factor (included inside ``i18n_patterns``: Vietnamese at the bare
URLs, English under /en/)."""

from django.urls import path

from govhub.identity.account import security as security
from govhub.identity.sign_in import second_step as step

urlpatterns = [
    # The second step of a sign-in.
    path("login/second-factor/", step.choose, name="second-factor"),
    path("login/second-factor/code/", step.verify_app_code, name="second-factor-code"),
    path("login/second-factor/backup-code/", step.verify_backup_code,
         name="second-factor-backup-code"),
    path("login/second-factor/passkey/options/", step.passkey_options,
         name="second-factor-passkey-options"),
    path("login/second-factor/passkey/", step.passkey_verify, name="second-factor-passkey"),
    path("login/second-factor/restart/", step.restart, name="second-factor-restart"),
    path("login/second-factor/set-up/", step.set_up, name="second-factor-set-up"),
    path("login/second-factor/set-up/passkey/options/", step.set_up_passkey_options,
         name="second-factor-set-up-passkey-options"),
    path("login/second-factor/set-up/passkey/", step.set_up_passkey_verify,
         name="second-factor-set-up-passkey"),
    path("login/second-factor/recovered/", step.recovered, name="second-factor-recovered"),
    path("account/security/backup-codes/new/", step.new_backup_codes, name="backup-codes-new"),
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
