from typing import Any

from django.contrib import admin

from directory.models import ActivityType, Area, DirectoryRole, Entry, TargetGroup
from directory.services import entry_reindex


class _ManagedListAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Area)
class AreaAdmin(_ManagedListAdmin):
    pass


@admin.register(ActivityType)
class ActivityTypeAdmin(_ManagedListAdmin):
    pass


@admin.register(TargetGroup)
class TargetGroupAdmin(_ManagedListAdmin):
    pass


@admin.register(DirectoryRole)
class DirectoryRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user",)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    # Read-mostly: writes that matter (search index, log) go through the services.
    list_display = ("title", "organiser_name", "area", "status", "last_confirmed_at")
    list_filter = ("status", "area", "organiser_kind")
    search_fields = ("title", "organiser_name")
    raw_id_fields = ("created_by", "group", "subgroup")

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        # An edit here is found by search at once, as one through the services is.
        super().save_related(request, form, formsets, change)
        entry_reindex(entry=form.instance)
