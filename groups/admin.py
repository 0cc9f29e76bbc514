from django.contrib import admin

from groups.models import Group, Invite, Membership, SubGroup, SubGroupMembership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user", "decided_by", "invite")
    fields = ("user", "role", "status", "joined_at")


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "visibility", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "role", "status", "joined_at")
    list_filter = ("role", "status", "group")
    search_fields = ("user__email", "user__display_name", "group__name")
    raw_id_fields = ("user", "decided_by", "invite")


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("group", "created_by", "expires_at", "use_count", "max_uses", "revoked_at")
    raw_id_fields = ("created_by",)


@admin.register(SubGroup)
class SubGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "group", "member_cap", "join_policy", "facilitator")
    raw_id_fields = ("facilitator",)


@admin.register(SubGroupMembership)
class SubGroupMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "subgroup", "status", "joined_at")
    raw_id_fields = ("user",)
