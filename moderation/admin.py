from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from moderation.models import AuditEntry, Case, Flag, ModerationSettings, Notice


class ReadOnlyAdmin(admin.ModelAdmin):
    """Moderation history is changed only through the moderation services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "group", "actor_name", "action", "target_name", "reason")
    list_filter = ("action", "group")
    search_fields = ("actor_name", "target_name", "reason")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "post_id", "comment_id", "state", "has_concern", "flag_count")
    list_filter = ("state", "has_concern", "group")


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "group", "user", "reason", "post_id", "comment_id")
    list_filter = ("reason", "group")


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "group", "action", "dismissed_at")


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    list_display = ("group", "flag_threshold", "hold_first_posts")
