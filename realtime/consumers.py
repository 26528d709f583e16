"""`/ws/gallery/`: every connected client hears every gallery event.

Fan-out is the live tier's whole job, so it is built for it (docs/realtime.md,
"How an event travels"):

- **One subscription per process, not per socket.** The process's `Hub`
  joins the channel layer's gallery group once and hands each event to its
  sockets itself. A Channels consumer per socket would give every socket a
  channel, a queue and a dispatch of its own per event — the per-socket cost
  that dominated the fan-out (docs/performance.md).
- **Encoded once per origin.** URLs in events are absolute for the scheme and
  host a client connected with (the API's rule); all sockets of one origin
  are sent the very same string.
- **Each socket writes at its own pace.** A socket's frames wait in its own
  backlog, written by its own coroutine; a client that stops reading holds
  up nobody else, and once its backlog passes MAX_BACKLOG bytes it is
  dropped (the server closes the connection).

Clients have nothing to say. Small text frames are ignored (some proxies and
client libraries send keep-alives); binary or oversized frames close the
socket.
"""

import asyncio
import io
import json
import logging
from collections import deque

from channels.layers import get_channel_layer
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest

from images.serializers import origin_of, with_origin
from realtime.broadcast import GROUP

logger = logging.getLogger("live_gallery.realtime")

MAX_CLIENT_TEXT = 1024
# An application may close only with 1000 or 3000-4999; 4000 + RFC 6455's
# 1003 (unsupported data) and 1009 (message too big) say the same.
UNSUPPORTED_DATA = 4003
MESSAGE_TOO_BIG = 4009
# Frames waiting for one slow socket before it is dropped: about a hundred
# events. What a stalled client can make this process hold is this plus the
# frame being written (the kernel's send buffer comes on top, outside it).
MAX_BACKLOG = 64 * 1024
# The in-memory layer forgets a group member after a day; the hub joins again
# well before that (a no-op on Redis).
REJOIN_SECONDS = 3600


class Subscriber:
    """One accepted socket: its origin and its backlog of frames to write."""

    __slots__ = ("origin", "backlog", "backlog_bytes", "wake", "close_code", "writer")

    def __init__(self, origin: str):
        self.origin = origin
        self.backlog: deque[str] = deque()
        self.backlog_bytes = 0
        self.wake = asyncio.Event()
        self.close_code: int | None = None
        self.writer: asyncio.Task | None = None

    def offer(self, text: str):
        if self.close_code is not None:
            return
        if self.backlog_bytes + len(text) > MAX_BACKLOG:
            self.drop()
            return
        self.backlog.append(text)
        self.backlog_bytes += len(text)
        self.wake.set()

    def close(self, code: int):
        self.close_code = code
        self.wake.set()

    def drop(self):
        """Too far behind: forget its frames and end its connection now."""
        logger.warning("dropped a live client that stopped reading (%d bytes waiting)",
                       self.backlog_bytes)
        self.backlog.clear()
        self.backlog_bytes = 0
        self.close_code = 0
        if self.writer is not None:
            self.writer.cancel()  # it may be stuck writing to the stalled client


class Hub:
    """This process's one member of the gallery group, and its sockets."""

    def __init__(self, layer, loop):
        self.layer, self.loop = layer, loop
        self.subscribers: set[Subscriber] = set()
        self.listener: asyncio.Task | None = None
        self.channel: str | None = None
        self.member = False  # in the group, as far as this process knows

    async def join(self, subscriber: Subscriber):
        """Add a socket once events reach it (before its accept).

        With the layer down this raises its error, which
        realtime.outage.ChannelLayerOutage answers (close 4013, try later).
        """
        if not self.member:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
            await self.layer.group_add(GROUP, self.channel)
            self.member = True
        self.subscribers.add(subscriber)
        if self.listener is None or self.listener.done():
            self.listener = self.loop.create_task(self._listen())

    def leave(self, subscriber: Subscriber):
        self.subscribers.discard(subscriber)

    async def _listen(self):
        while True:
            try:
                if not self.member:
                    await self.layer.group_add(GROUP, self.channel)
                    self.member = True
                async with asyncio.timeout(REJOIN_SECONDS):
                    while True:
                        self.deliver(await self.layer.receive(self.channel))
            except TimeoutError:
                self.member = False  # join again: the in-memory layer forgets after a day
            except Exception as error:  # noqa: BLE001 - an outage must not end live updates
                self.member = False
                logger.error("live updates: receiving from the channel layer failed: %r", error)
                await asyncio.sleep(1)

    def deliver(self, event: dict):
        if event.get("type") not in ("image.created", "image.deleted"):
            return
        texts: dict[str, str] = {}
        for subscriber in list(self.subscribers):
            text = texts.get(subscriber.origin)
            if text is None:
                text = texts[subscriber.origin] = json.dumps(
                    for_client(event, subscriber.origin)
                )
            subscriber.offer(text)


_hub: Hub | None = None


def hub() -> Hub:
    """The hub of this event loop and channel layer (tests change both)."""
    global _hub
    loop, layer = asyncio.get_running_loop(), get_channel_layer()
    if _hub is None or _hub.loop is not loop or _hub.layer is not layer:
        _hub = Hub(layer, loop)
    return _hub


async def gallery_socket(scope, receive, send):
    """The ASGI application behind /ws/gallery/ (core.asgi checks Origin first)."""
    if (await receive())["type"] != "websocket.connect":
        return
    try:
        subscriber = Subscriber(client_origin(scope))
    except DisallowedHost:
        await send({"type": "websocket.close"})  # before accept: refused with 403
        return
    del scope  # only the origin is kept for the life of the connection
    subscriber.writer = asyncio.current_task()
    gallery = hub()
    try:
        # In the group before the client hears "accepted": whatever it does
        # next (an upload of its own) it hears about.
        await gallery.join(subscriber)
        await send({"type": "websocket.accept"})
        reader = asyncio.create_task(_read(receive, subscriber))
        try:
            await _write(send, subscriber)
        except asyncio.CancelledError:
            if subscriber.close_code != 0:
                raise  # not our drop: the server is stopping
        finally:
            reader.cancel()
    finally:
        gallery.leave(subscriber)


async def _write(send, subscriber: Subscriber):
    while True:
        await subscriber.wake.wait()
        subscriber.wake.clear()
        while subscriber.backlog:
            text = subscriber.backlog.popleft()
            subscriber.backlog_bytes -= len(text)
            await send({"type": "websocket.send", "text": text})
        if subscriber.close_code is not None:
            if subscriber.close_code > 0:
                await send({"type": "websocket.close", "code": subscriber.close_code})
            return


async def _read(receive, subscriber: Subscriber):
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            subscriber.close(0)
            return
        text = message.get("text")
        if text is None:
            subscriber.close(UNSUPPORTED_DATA)
            return
        if len(text) > MAX_CLIENT_TEXT:
            subscriber.close(MESSAGE_TOO_BIG)
            return


def client_origin(scope) -> str:
    """scheme://host as this client connected: what the API would answer it.

    The handshake is an HTTP request, so Django reads it as one: its Host
    must be in ALLOWED_HOSTS, and X-Forwarded-* count only when trusted.
    """
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    handshake = {**scope, "type": "http", "method": "GET", "scheme": scheme}
    return origin_of(ASGIRequest(handshake, io.BytesIO()))


def for_client(event: dict, origin: str) -> dict:
    """The contract's frame: the event's keys, URLs absolute for this origin."""
    if event["type"] == "image.created":
        return {"type": "image.created", "image": with_origin(event["image"], origin)}
    return {"type": "image.deleted", "id": event["id"]}
