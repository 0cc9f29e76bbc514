from django.apps import AppConfig


class SammenConfig(AppConfig):
    name = "sammen"
    verbose_name = "Sammen"
