import os
import re

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path

from directory import urls as directory_urls
from groups import views as group_views
from insights import urls as insight_urls
from moderation import views as moderation_views
from notifications import urls as notification_urls
from pages import views as page_views
from sammen.views import healthz, public_media, readyz

urlpatterns = [
    path("", page_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # "Hjælp": plain Danish with pictures, linked from the menu and the footer.
    path("hjaelp/", page_views.help_page, name="help"),
    # The installable app: its manifest and the service worker that shows pushes.
    path("", include(notification_urls.root_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    path("groups/", include("groups.urls")),
    path("groups/", include(notification_urls.group_urlpatterns)),
    path("groups/", include(insight_urls.group_urlpatterns)),
    path("groups/", include("pages.urls")),
    path("notifications/", include("notifications.urls")),
    path("groups/", include("posts.urls")),
    path("groups/", include("scheduler.urls")),
    path("groups/", include("moderation.urls")),
    path("groups/", include(directory_urls.group_urlpatterns)),
    # The public directory of communities (issue 15): no login needed to look.
    # Submitting, review, freshness, coordinators, inspiration lists: first, so
    # their "Tal med en fællesskabskoordinator" is the one served.
    path("faellesskaber/", include("directory.staff_urls")),
    path("faellesskaber/", include("directory.urls")),
    path(
        "notices/<int:notice_id>/dismiss/", moderation_views.notice_dismiss, name="notice-dismiss"
    ),
    path("invite/<str:token>/", group_views.invite_accept, name="invite-accept"),
    # "Hent mine data", "Slet min konto", consents and the privacy page (issue 16).
    path("privatliv/", include("privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Public media (avatars, cover images) only; private files have no route
    # (sammen/storage.py). A front proxy may take this over (docs/operations.md).
    re_path(r"^%s(?P<path>.*)$" % re.escape(settings.MEDIA_URL.lstrip("/")), public_media),
]


# A server error: the Danish page, or one Danish sentence to an htmx form.
handler500 = "sammen.views.server_error"


# E-mail provider webhooks (bounces, complaints, inbound unsubscribe mail):
# only with a webhook secret, which anymail checks on every call.
if settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.insert(0, path("anymail/", include("anymail.urls")))


def bare(request: HttpRequest) -> HttpResponse:
    """The baseline for bench/feed.py: Django's middleware stack and nothing else."""
    return HttpResponse("ok")


# Only when benchmarking (bench/feed.py sets SAMMEN_BENCH=1); never in a deployment.
if os.environ.get("SAMMEN_BENCH"):
    urlpatterns.append(path("bench/bare", bare))
