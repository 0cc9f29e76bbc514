from django.apps import AppConfig


class SammenConfig(AppConfig):
    name = "sammen"
    verbose_name = "Sammen"

    def ready(self) -> None:
        from sammen import checks  # noqa: F401  (registers the system checks)
