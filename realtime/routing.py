from django.urls import path

from realtime.consumers import gallery_socket
from realtime.outage import ChannelLayerOutage

websocket_urlpatterns = [
    path("ws/gallery/", ChannelLayerOutage(gallery_socket)),
]
