from django.urls import path

from groups.consumers import GroupConsumer

websocket_urlpatterns = [
    path("ws/groups/<slug:group_slug>/", GroupConsumer.as_asgi()),
]
