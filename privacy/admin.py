"""Only the privacy page's texts are in the admin. Exports and deletions are
not: an operator must not be able to open anyone's copy of their data."""

from django.contrib import admin

from privacy.models import PrivacyPage


@admin.register(PrivacyPage)
class PrivacyPageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "updated_at")

    def has_add_permission(self, request: object) -> bool:
        return not PrivacyPage.objects.exists()
