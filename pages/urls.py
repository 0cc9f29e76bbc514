"""The pages composed of several apps. Included after the groups URLs (whose
fixed paths such as groups/new/ and subgroups/new/ come first)."""

from django.urls import path

from pages import post_page, views

urlpatterns = [
    path("<slug:group_slug>/posts/<int:post_id>/", post_page.post_detail, name="post-detail"),
    path("<slug:group_slug>/", views.group_detail, name="group-detail"),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/",
        views.subgroup_detail,
        name="subgroup-detail",
    ),
    path("<slug:group_slug>/posts/new/", views.post_create, name="post-create"),
    path("<slug:group_slug>/velkommen/luk/", views.welcome_dismiss, name="group-welcome-dismiss"),
    path(
        "<slug:group_slug>/subgroups/<slug:subgroup_slug>/posts/new/",
        views.post_create,
        name="subgroup-post-create",
    ),
]
