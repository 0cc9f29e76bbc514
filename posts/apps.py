from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = _("Opslag")

    def ready(self) -> None:
        # Registers the tasks in every process: the embedded beat runs them by name.
        from posts import tasks  # noqa: F401
