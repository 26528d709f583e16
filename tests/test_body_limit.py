"""images.limits: bodies over MAX_UPLOAD_SIZE are refused before Django reads them."""

import json

import pytest
from channels.testing import ApplicationCommunicator

from core.asgi import application
from images.models import Image

MARGIN = 64 * 1024

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_sync_thread_connections"),
]


def http_scope(headers, path="/api/images/"):
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


async def response_of(app):
    start = await app.receive_output(timeout=5)
    body = await app.receive_output(timeout=5)
    return start, body


async def test_a_declared_length_over_the_limit_is_413_without_reading_the_body(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    settings.UPLOAD_BODY_MARGIN = MARGIN
    declared = str(1000 + MARGIN + 1).encode()
    app = ApplicationCommunicator(
        application,
        http_scope([(b"host", b"testserver"), (b"content-length", declared),
                    (b"content-type", b"multipart/form-data; boundary=x")]),
    )

    # Nothing of the body is sent: the answer must come anyway.
    start, body = await response_of(app)

    assert start["status"] == 413
    assert json.loads(body["body"])["error"]["code"] == "file_too_large"


async def test_a_streamed_body_is_cut_off_when_it_passes_the_limit(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    settings.UPLOAD_BODY_MARGIN = MARGIN
    app = ApplicationCommunicator(
        application,
        http_scope([(b"host", b"testserver"), (b"transfer-encoding", b"chunked"),
                    (b"content-type", b"multipart/form-data; boundary=x")]),
    )
    chunk = b"x" * 16 * 1024
    for _ in range((1000 + MARGIN) // len(chunk) + 1):
        await app.send_input({"type": "http.request", "body": chunk, "more_body": True})

    start, body = await response_of(app)

    assert start["status"] == 413
    assert json.loads(body["body"])["error"]["code"] == "file_too_large"
    assert await Image.objects.acount() == 0


async def test_a_body_within_the_limit_reaches_the_view(settings):
    app = ApplicationCommunicator(
        application,
        http_scope([(b"host", b"testserver"), (b"content-length", b"0")]),
    )
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})

    start, body = await response_of(app)

    assert start["status"] == 400
    assert json.loads(body["body"])["error"]["code"] == "no_file"


async def test_a_browser_form_over_the_limit_gets_a_page_not_json(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    settings.UPLOAD_BODY_MARGIN = MARGIN
    declared = str(1000 + MARGIN + 1).encode()
    app = ApplicationCommunicator(
        application,
        http_scope([(b"host", b"testserver"), (b"content-length", declared),
                    (b"accept", b"text/html,application/xhtml+xml,*/*;q=0.8"),
                    (b"accept-language", b"ru"),
                    (b"content-type", b"multipart/form-data; boundary=x")],
                   path="/upload/"),
    )

    start, body = await response_of(app)

    page = body["body"].decode()
    assert start["status"] == 413
    assert dict(start["headers"])[b"content-type"] == b"text/html; charset=utf-8"
    assert "<h1>Слишком большая загрузка</h1>" in page
    assert 'href="/upload/"' in page
