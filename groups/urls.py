from django.urls import path

from groups import views

urlpatterns = [
    path("", views.group_list, name="group-list"),
    path("new/", views.group_create, name="group-create"),
    path("<slug:group_slug>/rules/", views.group_rules, name="group-rules"),
    path("<slug:group_slug>/join/", views.group_join, name="group-join"),
    path(
        "<slug:group_slug>/cancel-request/", views.group_cancel_request, name="group-cancel-request"
    ),
    path("<slug:group_slug>/leave/", views.group_leave, name="group-leave"),
    path("<slug:group_slug>/members/", views.group_members, name="group-members"),
    path("<slug:group_slug>/members/<int:user_id>/role/", views.member_role, name="member-role"),
    path(
        "<slug:group_slug>/members/<int:user_id>/remove/", views.member_remove, name="member-remove"
    ),
    path("<slug:group_slug>/members/<int:user_id>/ban/", views.member_ban, name="member-ban"),
    path("<slug:group_slug>/members/<int:user_id>/unban/", views.member_unban, name="member-unban"),
    path("<slug:group_slug>/banned/", views.group_banned, name="group-banned"),
    path("<slug:group_slug>/requests/", views.group_requests, name="group-requests"),
    path(
        "<slug:group_slug>/requests/<int:membership_id>/",
        views.request_decide,
        name="request-decide",
    ),
    path("<slug:group_slug>/settings/", views.group_settings, name="group-settings"),
    path("<slug:group_slug>/invites/", views.group_invites, name="group-invites"),
    path(
        "<slug:group_slug>/invites/<int:invite_id>/revoke/",
        views.invite_revoke,
        name="invite-revoke",
    ),
    path("<slug:group_slug>/subgroups/", views.group_subgroups, name="group-subgroups"),
    path("<slug:group_slug>/subgroups/new/", views.subgroup_create, name="subgroup-create"),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/join/",
        views.subgroup_join,
        name="subgroup-join",
    ),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/leave/",
        views.subgroup_leave,
        name="subgroup-leave",
    ),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/edit/",
        views.subgroup_edit,
        name="subgroup-edit",
    ),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/delete/",
        views.subgroup_delete,
        name="subgroup-delete",
    ),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/requests/<int:membership_id>/approve/",
        views.subgroup_request_approve,
        name="subgroup-request-approve",
    ),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/members/<int:membership_id>/remove/",
        views.subgroup_member_remove,
        name="subgroup-member-remove",
    ),
]
