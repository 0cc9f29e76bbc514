from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("settings/", views.notification_settings, name="notification-settings"),
    path("read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("<int:notification_id>/", views.notification_open, name="notification-open"),
]

# Below /groups/ (sammen/urls.py includes these with the group's URLs).
group_urlpatterns = [
    path("<slug:group_slug>/posts/<int:post_id>/follow/", views.post_follow, name="post-follow"),
]
