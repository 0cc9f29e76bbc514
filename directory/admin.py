from django.contrib import admin

from directory.models import ActivityType, Area, DirectoryRole, Entry, TargetGroup


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
