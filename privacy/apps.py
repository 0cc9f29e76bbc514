from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privatliv")

    def ready(self) -> None:
        from privacy import (
            receivers,  # noqa: F401 - connects the receivers
            tasks,  # noqa: F401 - registers the tasks, enqueued by name
        )
