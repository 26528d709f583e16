"""Requests a hostile or unusual client sends, against a real server from outside.

daphne in the production shape (DEBUG off; PostgreSQL and Redis when the run
has them), spoken to over raw HTTP: forged cookies, control characters in the
path, chunked uploads, and a server that starts where a killed one left files.
"""

import http.client
import json
import re
import uuid

import pytest

from tests.corpus import png_bytes
from tests.live_server import LiveServer

MAX_UPLOAD_SIZE = 200_000
NUL_COOKIE = 'sessionid="\\000aaaaaaaaaaaaaaaa"'  # the cookie parser unescapes \000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    leftover = root / "tmp" / "tmpkilled.upload.png"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"left by a server killed mid-upload")
    settings = {"LOG_LEVEL": "INFO", "LOG_FORMAT": "console",
                "MAX_UPLOAD_SIZE": str(MAX_UPLOAD_SIZE)}
    with LiveServer.production(root, **settings) as server:
        server.leftover = leftover
        yield server


def request(server, method, path, body=None, headers=None, **options):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body, headers or {}, **options)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def multipart(data: bytes, filename="p.png") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(server, data: bytes, headers=None):
    body, content_type = multipart(data)
    status, _, answer = request(
        server, "POST", "/api/images/", body, {"Content-Type": content_type, **(headers or {})}
    )
    return status, json.loads(answer)


def chunks(data: bytes, size=4096):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def log_lines(server) -> list[str]:
    return server.log.read_text(errors="replace").splitlines()


def test_a_server_start_removes_what_a_killed_server_left_in_its_temp_folder(server):
    assert not server.leftover.exists()
    assert server.leftover.parent.is_dir()


def test_a_nul_byte_in_the_session_cookie_is_no_session_not_an_error(server):
    for path in ("/", "/upload/", "/delete/"):
        status, _, _ = request(server, "GET", path, headers={"Cookie": NUL_COOKIE})
        assert status == 200, path


def test_a_nul_session_cookie_does_not_stop_a_bearer_delete(server):
    status, created = upload(server, png_bytes())
    assert status == 201
    headers = {"Cookie": NUL_COOKIE, "Authorization": f"Bearer {created['delete_token']}"}

    status, _, _ = request(server, "DELETE", f"/api/images/{created['id']}/", headers=headers)

    assert status == 204


def test_a_newline_in_the_path_cannot_forge_a_log_line(server):
    forged = "2026-01-01 00:00:00,000 INFO live_gallery.request GET /admin/ 200 1.0ms"
    path = "/nothing%0a" + forged.replace(" ", "%20") + "%0d%0a%e2%80%a8x"

    status, _, _ = request(server, "GET", path)

    assert status == 404
    assert not any(line.startswith(forged) for line in log_lines(server))
    logged = [line for line in log_lines(server) if "GET /nothing" in line]
    assert len(logged) == 1
    assert "/nothing\\n2026-01-01" in logged[0]


def test_each_request_line_carries_the_proxy_request_id(server):
    request(server, "GET", "/healthz", headers={"X-Request-ID": "0f3a9c55e1b24d7f9a1c2b3d4e5f6a7b"})
    request(server, "GET", "/readyz", headers={"X-Request-ID": "not valid\tid"})

    lines = log_lines(server)
    assert any(re.search(r"GET /healthz 200 .*ms id=0f3a9c55e1b24d7f9a1c2b3d4e5f6a7b$", line)
               for line in lines)
    assert any(re.search(r"GET /readyz 200 [0-9.]+ms$", line) for line in lines)


def test_a_chunked_upload_is_stored(server):
    body, content_type = multipart(png_bytes(width=40, height=30))

    status, _, answer = request(
        server, "POST", "/api/images/", chunks(body), {"Content-Type": content_type},
        encode_chunked=True,
    )

    assert status == 201, answer
    assert (json.loads(answer)["width"], json.loads(answer)["height"]) == (40, 30)


def test_a_chunked_upload_over_the_limit_is_413(server):
    body, content_type = multipart(b"\x89PNG" + b"x" * (MAX_UPLOAD_SIZE * 2))

    status, _, answer = request(
        server, "POST", "/api/images/", chunks(body, 64 * 1024), {"Content-Type": content_type},
        encode_chunked=True,
    )

    assert status == 413
    assert json.loads(answer)["error"]["code"] == "file_too_large"
