from django.urls import path

from moderation import views

urlpatterns = [
    path("<slug:group_slug>/moderation/", views.queue, name="moderation-queue"),
    path("<slug:group_slug>/moderation/bulk/", views.bulk, name="moderation-bulk"),
    path("<slug:group_slug>/moderation/log/", views.audit_log, name="moderation-log"),
    path(
        "<slug:group_slug>/moderation/settings/",
        views.moderation_settings,
        name="moderation-settings",
    ),
    path("<slug:group_slug>/moderation/<int:case_id>/", views.case_detail, name="moderation-case"),
    path("<slug:group_slug>/help/", views.concern_help, name="moderation-help"),
    path("<slug:group_slug>/posts/<int:post_id>/flag/", views.flag_post, name="post-flag"),
    path(
        "<slug:group_slug>/comments/<int:comment_id>/flag/",
        views.flag_comment,
        name="comment-flag",
    ),
]
