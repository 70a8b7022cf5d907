from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectiveConfig(AppConfig):
    name = "collective"
    verbose_name = _("Collective economy")

    def ready(self) -> None:
        from collective import history

        history.connect()
