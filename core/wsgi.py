"""WSGI entry point: the HTTP tier of the compose stack (granian, docs/performance.md).

Pages, the API and uploads are synchronous Django views. Served through WSGI
they run on the server's own threads: no event loop, no thread hop per
request, no body spooled before the view runs — measured several times the
requests per second of the same views through ASGI. WebSockets are served by
the live tier (core.asgi), and `make run` serves both from core.asgi.

The same body rules as under ASGI (images.limits): a declared length over
the upload limit is answered 413 before a byte of the body is read; a body
without a length (chunked) is read first, up to the limit, into a temporary
file under UPLOAD_TEMP_DIR and handed on with its length declared (Django's
WSGI request reads exactly `Content-Length` bytes, none without it). nginx
in front always sends a length.
"""

import os
import tempfile

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django_wsgi_app = get_wsgi_application()

from django.conf import settings  # noqa: E402

from images.expiry import start_sweeper  # noqa: E402
from images.limits import body_limit, too_large  # noqa: E402
from images.uploads import clear_temp_dir  # noqa: E402

CHUNK = 256 * 1024
# Nothing of this process is in flight yet: whatever is there was left by a
# server that died mid-upload (one process per container in the compose stack).
clear_temp_dir()
# Each HTTP replica deletes expired images (EXPIRY_SWEEP_SECONDS); no other
# process needs to run for it.
start_sweeper()


class BodySizeLimit:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        limit = body_limit()
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not declared and chunked:
            return self._with_length_declared(environ, start_response, limit)
        try:
            over = int(declared or 0) > limit
        except ValueError:
            over = False
        if over:
            return _refuse(environ, start_response)
        return self.app(environ, start_response)

    def _with_length_declared(self, environ, start_response, limit):
        body = tempfile.SpooledTemporaryFile(
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        size = 0
        source = environ["wsgi.input"]
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                body.close()
                return _refuse(environ, start_response)
            body.write(chunk)
        body.seek(0)
        environ = {**environ, "wsgi.input": body, "CONTENT_LENGTH": str(size)}
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        response = self.app(environ, start_response)
        return _ClosingBoth(response, body)


class _ClosingBoth:
    """The response's iterable, which also closes the spooled body when done."""

    def __init__(self, response, body):
        self.response, self.body = response, body

    def __iter__(self):
        return iter(self.response)

    def close(self):
        try:
            getattr(self.response, "close", lambda: None)()
        finally:
            self.body.close()


def _refuse(environ, start_response):
    request_headers = {
        name[5:].replace("_", "-").lower(): value
        for name, value in environ.items() if name.startswith("HTTP_")
    }
    headers, body = too_large(environ.get("PATH_INFO", "/"), request_headers)
    start_response(
        "413 Request Entity Too Large",
        [*headers, ("Content-Length", str(len(body))), ("Connection", "close")],
    )
    return [body]


application = BodySizeLimit(django_wsgi_app)
