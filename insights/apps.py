from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Indsigt")

    def ready(self) -> None:
        from insights import receivers  # noqa: F401 - connects the receivers
