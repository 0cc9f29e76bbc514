from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Fællesskaber")

    def ready(self) -> None:
        # The tasks are registered in every process: the embedded default's
        # beat (sammen.periodic) finds them by name.
        from directory import tasks  # noqa: F401
        from directory.generation import entry_saved_or_deleted
        from directory.models import Entry, EntryDate

        # Cached search results follow every saved or deleted entry, whoever
        # saved it (the services also say so after their UPDATEs).
        for model in (Entry, EntryDate):
            post_save.connect(entry_saved_or_deleted, sender=model, dispatch_uid=f"dir-{model}")
            post_delete.connect(
                entry_saved_or_deleted, sender=model, dispatch_uid=f"dir-del-{model}"
            )
