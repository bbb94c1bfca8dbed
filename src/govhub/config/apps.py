from django.apps import AppConfig


class GovhubConfig(AppConfig):
    """The project itself, last in ``INSTALLED_APPS``: no models; at startup it wires the
    reactions across contexts (``config.subscriptions``) once every context is ready."""

    name = "govhub.config"
    label = "govhub_config"
    verbose_name = "govhub"

    def ready(self) -> None:
        from govhub.config import subscriptions

        subscriptions.wire()
