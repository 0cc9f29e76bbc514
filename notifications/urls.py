from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("settings/", views.notification_settings, name="notification-settings"),
    path("read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("<int:notification_id>/", views.notification_open, name="notification-open"),
    path("e-mail/", views.mail_settings, name="notification-mail-settings"),
    path("e-mail/virker-igen/", views.mail_resume, name="notification-mail-resume"),
    # No login: the signed token is the key (notifications/mail.py).
    path("afmeld/<str:token>/", views.mail_unsubscribe, name="mail-unsubscribe"),
]

# Below /groups/ (sammen/urls.py includes these with the group's URLs).
group_urlpatterns = [
    path("<slug:group_slug>/posts/<int:post_id>/follow/", views.post_follow, name="post-follow"),
    path("<slug:group_slug>/plan/ugens-e-mail/", views.digest_preview, name="digest-preview"),
]

# --- Web push ------------------------------------------------------------------------
urlpatterns += [
    path("push/subscribe/", views.push_subscribe, name="push-subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push-unsubscribe"),
    path("push/test/", views.push_test, name="push-test"),
]

# At the site's root (sammen/urls.py): a service worker reaches only the pages
# below the folder its script is served from.
root_urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
]
