from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Indsigt")

    def ready(self) -> None:
        # The tasks are registered in every process, not only in workers: the
        # embedded default's beat (sammen.periodic) finds them by name.
        from insights import (
            receivers,  # noqa: F401 - connects the receivers
            tasks,  # noqa: F401
        )
