"""Refuse request bodies over MAX_UPLOAD_SIZE before Django reads them.

Django's ASGI handler copies the whole body into a temporary file before any
view runs, so a view cannot stop an oversized upload. This ASGI middleware
sits in front: a declared `Content-Length` over the limit is answered 413 at
once, and a body within it is still counted as it streams, in case it is
longer than it said. The limit is the file limit plus UPLOAD_BODY_MARGIN for
the multipart envelope (part headers, boundary, the other fields, more files
of a form post), the same margin nginx adds at the edge; the exact per-file
check happens again in validation. The 413 is JSON for the API and scripts,
a page for a browser's form (`too_large`), under ASGI and WSGI (core.wsgi)
alike.

A body without `Content-Length` (`Transfer-Encoding: chunked`, what curl sends
for `-F file=@-`) is read here first, into a temporary file under
UPLOAD_TEMP_DIR, up to the limit (413 beyond it), and handed on with its
length declared: Django's multipart parser reads exactly `Content-Length`
bytes and took a chunked upload for an empty one (400 `no_file`).

Under daphne the server itself has already received the body by the time an
ASGI application is called; in the compose stack nginx enforces the same
limit at the edge (`client_max_body_size`), before a byte reaches the app.
docs/security.md has the whole picture.
"""

import json
import tempfile
from collections.abc import Mapping

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import is_api
from images.errors import FileTooLarge
from images.units import binary_size

REPLAY_CHUNK = 256 * 1024


def body_limit() -> int:
    return settings.MAX_UPLOAD_SIZE + settings.UPLOAD_BODY_MARGIN


def too_large(path: str, headers: Mapping[str, str]) -> tuple[list[tuple[str, str]], bytes]:
    """The 413 for a body over the limit, before Django has read the request:
    (headers, body). `headers`: the request's, lower-case names."""
    request = HttpRequest()
    request.path = path
    request.META = {
        "HTTP_ACCEPT": headers.get("accept", ""),
        "HTTP_ACCEPT_LANGUAGE": headers.get("accept-language", ""),
    }
    request.COOKIES = parse_cookie(headers.get("cookie", ""))
    with translation.override(translation.get_language_from_request(request)):
        error = FileTooLarge(settings.MAX_UPLOAD_SIZE)
        if is_api(request):
            body = json.dumps({"error": {"code": error.code, "message": error.message}})
            return [("Content-Type", "application/json")], body.encode()
        message = _(
            "The files sent together are larger than this server takes in one upload "
            "(%(limit)s). Choose fewer or smaller files; each may be up to %(size)s."
        ) % {
            "limit": binary_size(body_limit()),
            "size": binary_size(settings.MAX_UPLOAD_SIZE),
        }
        page = render_to_string("errors/too_large.html", {"message": message})
        return [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Language", translation.get_language()),
            ("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'"),
            ("X-Content-Type-Options", "nosniff"),
        ], page.encode()


class BodySizeLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        declared = _content_length(scope)
        if declared is None:
            return await self._with_length_declared(scope, receive, send, limit)
        if declared > limit:
            return await _send_413(scope, send)

        received = 0
        too_large_body = False

        async def limited_receive():
            nonlocal received, too_large_body
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django sees a disconnect and stops without calling a
                    # view; the 413 below answers the client.
                    too_large_body = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)
        if too_large_body:
            await _send_413(scope, send)

    async def _with_length_declared(self, scope, receive, send, limit):
        """Read a body of unknown length (up to the limit), then pass it on with one."""
        body = None
        size = 0
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client left before sending it all
                if chunk := message.get("body", b""):
                    size += len(chunk)
                    if size > limit:
                        return await _send_413(scope, send)
                    body = body or tempfile.SpooledTemporaryFile(
                        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
                        dir=settings.FILE_UPLOAD_TEMP_DIR,
                    )
                    await _write(body, chunk)
                if not message.get("more_body", False):
                    break
            if body is None:  # no body at all (a GET): nothing to declare
                return await self.app(scope, _replay(None, receive), send)
            body.seek(0)
            headers = [
                (name, value) for name, value in scope["headers"]
                if name not in (b"content-length", b"transfer-encoding")
            ]
            scope = {**scope, "headers": [*headers, (b"content-length", str(size).encode())]}
            return await self.app(scope, _replay(body, receive), send)
        finally:
            if body is not None:
                body.close()


async def _write(body, chunk: bytes):
    if getattr(body, "_rolled", False):  # on disk now: keep the event loop free
        await sync_to_async(body.write, thread_sensitive=False)(chunk)
    else:
        body.write(chunk)


def _replay(body, receive):
    """A `receive` that gives the body read so far, then the client's own messages."""
    done = False

    async def replay():
        nonlocal done
        if done:
            return await receive()  # after the body, only a disconnect can come
        chunk = b""
        if body is not None:
            chunk = await sync_to_async(body.read, thread_sensitive=False)(REPLAY_CHUNK)
        done = len(chunk) < REPLAY_CHUNK
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(scope, send):
    request_headers = {name.decode("latin-1"): value.decode("latin-1")
                       for name, value in scope.get("headers", [])}
    headers, body = too_large(scope["path"], request_headers)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                *((name.lower().encode(), value.encode()) for name, value in headers),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
