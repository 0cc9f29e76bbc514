from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Grupper")

    def ready(self) -> None:
        from groups import receivers  # noqa: F401 - connects the receivers
