import os

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve

from groups import views as group_views
from moderation import views as moderation_views
from sammen.views import healthz

urlpatterns = [
    path("", group_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    path("groups/", include("groups.urls")),
    path("groups/", include("posts.urls")),
    path("groups/", include("scheduler.urls")),
    path("groups/", include("moderation.urls")),
    path(
        "notices/<int:notice_id>/dismiss/", moderation_views.notice_dismiss, name="notice-dismiss"
    ),
    path("invite/<str:token>/", group_views.invite_accept, name="invite-accept"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Public media (avatars, cover images) is served by Django in every mode; a
    # front proxy may take it over (docs/operations.md). Post photos under posts/
    # are group content: only posts.views.post_photo serves them, after a
    # permission check.
    re_path(
        r"^%s(?P<path>(?!posts/).*)$" % settings.MEDIA_URL.lstrip("/"),
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]


def bare(request: HttpRequest) -> HttpResponse:
    """The baseline for bench/feed.py: Django's middleware stack and nothing else."""
    return HttpResponse("ok")


# Only when benchmarking (bench/feed.py sets SAMMEN_BENCH=1); never in a deployment.
if os.environ.get("SAMMEN_BENCH"):
    urlpatterns.append(path("bench/bare", bare))
