from django.urls import path

from realtime.consumers import GalleryConsumer

websocket_urlpatterns = [
    path("ws/gallery/", GalleryConsumer.as_asgi()),
]
