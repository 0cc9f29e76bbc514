from django.urls import path

from scheduler import views

urlpatterns = [
    path("<slug:group_slug>/plan/", views.plan, name="plan"),
    path("<slug:group_slug>/plan/<int:year>/week/<int:week>/", views.plan_week, name="plan-week"),
    path(
        "<slug:group_slug>/plan/<int:year>/week/<int:week>/copy/",
        views.week_copy,
        name="plan-copy-week",
    ),
    path("<slug:group_slug>/plan/upcoming/", views.plan_upcoming, name="plan-upcoming"),
    path("<slug:group_slug>/plan/new/", views.scheduled_create, name="plan-post-create"),
    path(
        "<slug:group_slug>/plan/posts/<int:scheduled_id>/", views.scheduled_detail, name="plan-post"
    ),
    path(
        "<slug:group_slug>/plan/posts/<int:scheduled_id>/edit/",
        views.scheduled_edit,
        name="plan-post-edit",
    ),
    path(
        "<slug:group_slug>/plan/posts/<int:scheduled_id>/move/",
        views.scheduled_move,
        name="plan-post-move",
    ),
    path(
        "<slug:group_slug>/plan/posts/<int:scheduled_id>/cancel/",
        views.scheduled_cancel,
        name="plan-post-cancel",
    ),
    path(
        "<slug:group_slug>/plan/posts/<int:scheduled_id>/duplicate/",
        views.scheduled_duplicate,
        name="plan-post-duplicate",
    ),
    path(
        "<slug:group_slug>/plan/photos/<int:photo_id>/<str:size>/",
        views.scheduled_photo,
        name="plan-photo",
    ),
    path("<slug:group_slug>/plan/slots/", views.slot_list, name="plan-slots"),
    path(
        "<slug:group_slug>/plan/slots/<int:slot_id>/edit/", views.slot_edit, name="plan-slot-edit"
    ),
    path(
        "<slug:group_slug>/plan/slots/<int:slot_id>/delete/",
        views.slot_delete,
        name="plan-slot-delete",
    ),
]
