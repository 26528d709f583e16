"""A WebSocket handshake while the channel layer (Redis) is down.

A consumer needs the layer before it can do anything: Channels subscribes a
new socket's channel (and the gallery group) as it starts. With Redis down
that raised out of the consumer, and daphne answered the handshake with a
bare 500 and logged a traceback — per attempt, while every open gallery kept
retrying. This wrapper turns it into a clean answer: the socket is accepted
and closed at once with 4013 (4000 + RFC 6455's 1013 "try again later"; an
application may not send 1013 itself), which the gallery's script treats
like any other drop (it reconnects with backoff), and the outage is logged
once, as broadcasting logs it (realtime.broadcast.incident).
"""

from redis.exceptions import RedisError

from realtime.broadcast import incident

TRY_AGAIN_LATER = 4013
LAYER_ERRORS = (RedisError, OSError, TimeoutError)


class ChannelLayerOutage:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        connected = accepted = False

        async def watched_receive():
            nonlocal connected
            message = await receive()
            connected = connected or message["type"] == "websocket.connect"
            return message

        async def watched_send(message):
            nonlocal accepted
            accepted = accepted or message["type"] == "websocket.accept"
            await send(message)

        try:
            await self.app(scope, watched_receive, watched_send)
        except LAYER_ERRORS as error:
            incident.failed(error)
            if not connected:
                await receive()  # the handshake the consumer never read
            if not accepted:
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
