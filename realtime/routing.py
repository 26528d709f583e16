from django.urls import path

from realtime.consumers import GalleryConsumer
from realtime.outage import ChannelLayerOutage

websocket_urlpatterns = [
    path("ws/gallery/", ChannelLayerOutage(GalleryConsumer.as_asgi())),
]
