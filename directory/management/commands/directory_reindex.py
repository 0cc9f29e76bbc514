"""Rebuild the directory's derived fields and search index for every entry
(after a change of the search design, a restore, or an edit in the admin)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from directory.models import Entry
from directory.services import entry_reindex


class Command(BaseCommand):
    help = "Recompute the search index and filter fields of every directory entry."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        queryset = Entry.objects.select_related("area").prefetch_related(
            "activity_types", "target_groups", "dates"
        )
        with transaction.atomic():
            for entry in queryset.order_by("pk").iterator(chunk_size=500):
                entry_reindex(entry=entry)
                count += 1
        self.stdout.write(f"Reindexed {count} directory entries.")
