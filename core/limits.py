"""Refuse request bodies over MAX_UPLOAD_SIZE before Django reads them.

Django's ASGI handler copies the whole body into a temporary file before any
view runs, so a view cannot stop an oversized upload. This ASGI middleware
sits in front: a declared `Content-Length` over the limit is answered 413 at
once, and a body without one (chunked) is counted as it streams and cut off
when it passes the limit. The limit is the file limit plus a margin for the
multipart envelope (part headers, boundary, the optional name field); the
exact per-file check happens again in validation.

Under daphne the server itself has already received the body into a
temporary file by the time an ASGI application is called; in the compose
stack nginx enforces the same limit at the edge (`client_max_body_size`),
before a byte reaches the app. docs/security.md has the whole picture.
"""

import json

from django.conf import settings

MULTIPART_MARGIN = 64 * 1024


def body_limit() -> int:
    return settings.MAX_UPLOAD_SIZE + MULTIPART_MARGIN


class BodySizeLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await _send_413(scope, send)

        received = 0
        too_large = False

        async def limited_receive():
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django sees a disconnect and stops without calling a
                    # view; the 413 below answers the client.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)
        if too_large:
            await _send_413(scope, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(scope, send):
    from images.errors import FileTooLarge

    error = FileTooLarge(settings.MAX_UPLOAD_SIZE)
    body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
