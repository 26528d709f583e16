"""`/ws/gallery/`: every connected client hears every gallery event.

Events carry relative URLs; each consumer makes them absolute with the
scheme and host its own client connected with, exactly as the API does.
Clients have nothing to say: whatever they send is ignored.
"""

import json

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from images.serializers import with_origin
from realtime.broadcast import GROUP


class GalleryConsumer(AsyncWebsocketConsumer):
    groups = [GROUP]

    async def connect(self):
        self.origin = origin_of_scope(self.scope)
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        """Nothing a client sends is trusted or needed."""

    async def image_created(self, event):
        image = with_origin(event["image"], self.origin)
        await self.send(text_data=json.dumps({"type": "image.created", "image": image}))

    async def image_deleted(self, event):
        await self.send(text_data=json.dumps({"type": "image.deleted", "id": event["id"]}))


def origin_of_scope(scope) -> str:
    """http(s)://host as the client connected (X-Forwarded-* when trusted)."""
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    secure = scope.get("scheme") == "wss"
    host = headers.get("host", "")
    if settings.TRUST_PROXY_HEADERS:
        secure = headers.get("x-forwarded-proto", "https" if secure else "http") == "https"
        host = headers.get("x-forwarded-host", host).split(",")[0].strip()
    return f"{'https' if secure else 'http'}://{host}"
