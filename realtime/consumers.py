"""`/ws/gallery/`: every connected client hears every gallery event.

Events arrive with relative URLs (realtime.signals); each client gets them
absolute for the scheme and host it connected with, by the API's own rule.
JSON-encoding per subscriber is what fan-out costs (docs/realtime.md), so a
frame is encoded once per event and origin, and every subscriber of that
origin in this process is sent the same text.

Clients have nothing to say. Small text frames are ignored (some proxies and
client libraries send keep-alives); binary or oversized frames close the
socket, so a misbehaving client costs nothing more. daphne itself drops a
connection whose message passes 1 MiB before any of it reaches this code.
"""

import io
import json
from collections import OrderedDict

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest

from images.serializers import origin_of, with_origin
from realtime.broadcast import GROUP

MAX_CLIENT_TEXT = 1024
# An application may close only with 1000 or 3000-4999 (daphne's autobahn
# refuses RFC 6455's 1003/1009 from it); 4000 + those codes say the same.
UNSUPPORTED_DATA = 4003
MESSAGE_TOO_BIG = 4009


class GalleryConsumer(AsyncWebsocketConsumer):
    groups = (GROUP,)

    async def connect(self):
        try:
            self.origin = client_origin(self.scope)
        except DisallowedHost:
            await self.close()  # before accept(): the handshake is refused with 403
            return
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            await self.close(code=UNSUPPORTED_DATA)
        elif len(text_data) > MAX_CLIENT_TEXT:
            await self.close(code=MESSAGE_TOO_BIG)

    async def dispatch(self, message):
        # Gallery events never touch the database, so skip channels' default
        # of closing stale connections first: that is a thread hop per socket
        # per event, and it halved the fan-out's CPU cost to leave it out
        # (docs/performance.md). The socket's own messages keep the default.
        if message["type"] in ("image.created", "image.deleted"):
            return await getattr(self, get_handler_name(message))(message)
        return await super().dispatch(message)

    async def image_created(self, event):
        await self.send(text_data=frames.text(event, self.origin))

    async def image_deleted(self, event):
        await self.send(text_data=frames.text(event, self.origin))


def client_origin(scope) -> str:
    """scheme://host as this client connected: what the API would answer it.

    The handshake is an HTTP request, so Django reads it as one: its Host
    must be in ALLOWED_HOSTS, and X-Forwarded-* count only when trusted.
    """
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    handshake = {**scope, "type": "http", "method": "GET", "scheme": scheme}
    return origin_of(ASGIRequest(handshake, io.BytesIO()))


def for_client(event: dict, origin: str) -> dict:
    """The contract's frame: only its keys (not the layer's `event_id`)."""
    if event["type"] == "image.created":
        return {"type": "image.created", "image": with_origin(event["image"], origin)}
    return {"type": "image.deleted", "id": event["id"]}


class Frames:
    """The JSON text of recent events per client origin, in this process.

    Consumers run on one event loop, so no lock. Old entries are dropped first:
    an event is fanned out within moments, and a late subscriber just encodes
    it again.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._texts: OrderedDict[tuple[str, str], str] = OrderedDict()

    def text(self, event: dict, origin: str) -> str:
        key = (event["event_id"], origin)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = json.dumps(for_client(event, origin))
            if len(self._texts) > self.size:
                self._texts.popitem(last=False)
        return text


frames = Frames()
