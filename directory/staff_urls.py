"""The directory's second half (issue 15): submitting, review, freshness,
the coordinators and the inspiration lists. Included under /faellesskaber/
before directory.urls (sammen/urls.py)."""

from django.urls import path

from directory import coordinator_views, list_views, review_views

urlpatterns = [
    path("indsend/", review_views.entry_submit, name="directory-submit"),
    path("mine/", review_views.my_submissions, name="directory-my-submissions"),
    path("<int:entry_id>/ret/", review_views.entry_edit, name="directory-entry-edit"),
    path("bekraeft/<str:token>/", review_views.confirm, name="directory-confirm"),
    path("redaktion/", review_views.editor_overview, name="directory-editor-overview"),
    path("redaktion/godkend/", review_views.review_queue, name="directory-review-queue"),
    path(
        "redaktion/godkend/<int:entry_id>/", review_views.review_item, name="directory-review-item"
    ),
    path("redaktion/huller/", review_views.gaps_view, name="directory-gaps"),
    # Tal med en fællesskabskoordinator.
    path(
        "tal-med-en-koordinator/",
        coordinator_views.request_form,
        name="directory-coordinator-request",
    ),
    path(
        "tal-med-en-koordinator/tak/",
        coordinator_views.request_receipt,
        name="directory-coordinator-receipt",
    ),
    path("koordinator/", coordinator_views.inbox, name="directory-coordinator-inbox"),
    path("koordinator/tal/", coordinator_views.report, name="directory-coordinator-report"),
    path("koordinator/tal.csv", coordinator_views.report_csv, name="directory-coordinator-csv"),
    path(
        "koordinator/<int:request_id>/",
        coordinator_views.detail,
        name="directory-coordinator-detail",
    ),
    path(
        "koordinator/<int:request_id>/status/",
        coordinator_views.move,
        name="directory-coordinator-move",
    ),
    path(
        "koordinator/<int:request_id>/note/",
        coordinator_views.note,
        name="directory-coordinator-note",
    ),
    path(
        "koordinator/<int:request_id>/tildel/",
        coordinator_views.assign,
        name="directory-coordinator-assign",
    ),
    # Inspiration lists.
    path("inspiration/", list_views.lists, name="directory-lists"),
    path("inspiration/<slug:slug>/", list_views.list_detail, name="directory-list"),
    path("redaktion/lister/", list_views.lists_edit, name="directory-lists-edit"),
    path("redaktion/lister/<int:list_id>/", list_views.list_edit, name="directory-list-edit"),
    path(
        "redaktion/lister/<int:list_id>/slet/",
        list_views.list_delete,
        name="directory-list-delete",
    ),
    path(
        "redaktion/lister/<int:list_id>/punkter/",
        list_views.item_add,
        name="directory-item-add",
    ),
    path(
        "redaktion/lister/punkter/<int:item_id>/",
        list_views.item_update,
        name="directory-item-update",
    ),
    path(
        "redaktion/lister/punkter/<int:item_id>/flyt/",
        list_views.item_move,
        name="directory-item-move",
    ),
    path(
        "redaktion/lister/punkter/<int:item_id>/fjern/",
        list_views.item_remove,
        name="directory-item-remove",
    ),
]
