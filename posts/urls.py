from django.urls import path

from posts import views

urlpatterns = [
    path("<slug:group_slug>/posts/<int:post_id>/edit/", views.post_edit, name="post-edit"),
    path("<slug:group_slug>/posts/<int:post_id>/delete/", views.post_delete, name="post-delete"),
    path("<slug:group_slug>/posts/<int:post_id>/pin/", views.post_pin, name="post-pin"),
    path("<slug:group_slug>/posts/<int:post_id>/react/", views.post_react, name="post-react"),
    path(
        "<slug:group_slug>/posts/<int:post_id>/reactions/",
        views.post_reactions,
        name="post-reactions",
    ),
    path(
        "<slug:group_slug>/posts/<int:post_id>/comments/",
        views.comment_create,
        name="comment-create",
    ),
    path(
        "<slug:group_slug>/comments/<int:comment_id>/edit/",
        views.comment_edit,
        name="comment-edit",
    ),
    path(
        "<slug:group_slug>/comments/<int:comment_id>/delete/",
        views.comment_delete,
        name="comment-delete",
    ),
    path(
        "<slug:group_slug>/comments/<int:comment_id>/react/",
        views.comment_react,
        name="comment-react",
    ),
    path("<slug:group_slug>/mentions/", views.mention_search, name="mention-search"),
    path(
        "<slug:group_slug>/photos/<int:image_id>/<str:size>/",
        views.post_photo,
        name="post-photo",
    ),
]
