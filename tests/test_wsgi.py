"""core.wsgi, the HTTP tier's entry point: the body limit and streamed bytes."""

import io
import json
import re
import warnings

import pytest

from core.wsgi import application
from images.models import Image
from tests.corpus import png_bytes

MARGIN = 64 * 1024

pytestmark = pytest.mark.django_db(transaction=True)


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")


def call(method, path, *, body=b"", headers=None, stream=None):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http", "wsgi.input": stream or io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "CONTENT_LENGTH": str(len(body)) if body else "",
        **(headers or {}),
    }
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. an async iterator consumed whole
        chunks = application(environ, start_response)
        body = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
    return started["status"], started["headers"], body


def test_a_declared_length_over_the_limit_is_413_without_reading_the_body(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    settings.UPLOAD_BODY_MARGIN = MARGIN
    length = str(1000 + MARGIN + 1)
    status, headers, body = call(
        "POST", "/api/images/", stream=Unreadable(),
        headers={"CONTENT_LENGTH": length, "CONTENT_TYPE": "multipart/form-data; boundary=x"},
    )

    assert status == 413
    assert json.loads(body)["error"]["code"] == "file_too_large"


def test_a_browser_form_over_the_limit_gets_a_page_not_json(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    settings.UPLOAD_BODY_MARGIN = MARGIN
    status, headers, body = call(
        "POST", "/upload/", stream=Unreadable(),
        headers={"CONTENT_LENGTH": str(1000 + MARGIN + 1), "HTTP_ACCEPT": "text/html",
                 "CONTENT_TYPE": "multipart/form-data; boundary=x"},
    )

    assert status == 413
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Choose fewer or smaller files" in body.decode()


def test_image_bytes_stream_through_wsgi(make_image):
    data = png_bytes(width=40, height=30)
    image = make_image("w.png", data).image

    status, headers, body = call("GET", f"/image/{image.pk}")

    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert body == data


def test_a_chunked_upload_is_read_up_to_the_limit_and_stored(settings):
    data = png_bytes(width=20, height=10)
    body = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="c.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + data + b"\r\n--x--\r\n"
    )
    status, _, answer = call(
        "POST", "/api/images/", stream=io.BytesIO(body),
        headers={"HTTP_TRANSFER_ENCODING": "chunked",
                 "CONTENT_TYPE": "multipart/form-data; boundary=x"},
    )

    assert status == 201, answer
    assert json.loads(answer)["size"] == len(data)


def test_a_chunked_body_over_the_limit_is_413(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    settings.UPLOAD_BODY_MARGIN = MARGIN
    status, _, answer = call(
        "POST", "/api/images/", stream=io.BytesIO(b"x" * (1000 + MARGIN + 1)),
        headers={"HTTP_TRANSFER_ENCODING": "chunked",
                 "CONTENT_TYPE": "multipart/form-data; boundary=x"},
    )

    assert status == 413
    assert json.loads(answer)["error"]["code"] == "file_too_large"


def test_a_form_with_two_large_files_within_the_margin_stores_both(settings):
    """The no-JS form posts every file at once: two files near the per-file limit
    make a body over one file's limit, which nginx (1 MiB of margin) lets through
    and the app must too."""
    from tests.test_faults import noisy_png

    settings.MAX_UPLOAD_SIZE = 100_000
    files = [noisy_png(180, 180) for _ in range(2)]
    assert all(90_000 < len(data) <= 100_000 for data in files)
    _, headers, page = call("GET", "/upload/")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    parts = [b'--x\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
             + token + b"\r\n"]
    for n, data in enumerate(files):
        parts.append(
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="%d.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" % n + data + b"\r\n"
        )
    body = b"".join(parts) + b"--x--\r\n"

    status, headers, answer = call(
        "POST", "/upload/", body=body,
        headers={"CONTENT_TYPE": "multipart/form-data; boundary=x", "HTTP_COOKIE": cookie,
                 "HTTP_ACCEPT": "text/html", "HTTP_REFERER": "http://testserver/upload/"},
    )

    assert status == 303, answer.decode()[-3000:]
    assert Image.objects.count() == 2
