from django.urls import path

from moderation.consumers import ModerationQueueConsumer
from notifications.consumers import BellConsumer
from posts.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/notifications/", BellConsumer.as_asgi()),
    path("ws/groups/<slug:group_slug>/", LiveConsumer.as_asgi()),
    path("ws/groups/<slug:group_slug>/moderation/", ModerationQueueConsumer.as_asgi()),
    path("ws/groups/<slug:group_slug>/subgroups/<slug:subgroup_slug>/", LiveConsumer.as_asgi()),
    path("ws/groups/<slug:group_slug>/posts/<int:post_id>/", LiveConsumer.as_asgi()),
]
