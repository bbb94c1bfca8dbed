"""Routes of the second step of a sign-in (included inside ``i18n_patterns``: Vietnamese at the bare
URLs, English under /en/)."""

from django.urls import path

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
]
