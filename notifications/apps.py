from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifikationer")

    def ready(self) -> None:
        # Registers the tasks in every process, not only in workers: the web
        # process enqueues them by name after commit (services.notify).
        from notifications import (
            receivers,  # noqa: F401 - connects the receivers
            tasks,  # noqa: F401
        )
