"""The compose stack's nginx, for real: what it answers itself, beside the app."""

import json
import socket
import urllib.error
import urllib.request

from tests.corpus import gif_bytes
from tests.nginx_front import needs_nginx, nginx_in_front
from tests.samples import heic_samples
from tests.test_nginx_formats import upload

pytestmark = needs_nginx


def post_headers_only(base: str, path: str, length: int, accept: str) -> tuple[int, dict, bytes]:
    """Announce a body of `length` bytes and send none: nginx answers from the headers."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_a_body_over_the_limit_is_a_page_for_a_browser_and_json_for_a_script(tmp_path):
    with nginx_in_front(tmp_path, MAX_UPLOAD_SIZE="100000") as (base, _):
        too_much = 100_000 + 1_048_576 + 1
        page = post_headers_only(base, "/upload/", too_much, "text/html,*/*;q=0.8")
        script = post_headers_only(base, "/api/images/", too_much, "*/*")

    status, headers, body = page
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert b"Too large to upload" in body and b'href="/upload/"' in body
    status, headers, body = script
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "file_too_large"


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_a_heic_is_shown_as_its_rendition_and_its_original_keeps_its_name(tmp_path):
    photo = heic_samples()["xiaomi.heic"]
    with nginx_in_front(tmp_path, MEDIA_ACCEL_REDIRECT="/_lg_media/") as (base, app):
        image = upload(base, photo.read_bytes(), "Harbour at dusk.heic")
        shown = fetch(image["url"].replace("http://testserver", base))
        original = fetch(f"{base}/image/{image['id']}/original")
        stored = (app.media / f"images/{image['id']}.heic").read_bytes()

    status, headers, body = shown
    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    assert headers["etag"] != f'"{image["sha256"]}-jpg"'  # nginx's own: from disk
    assert headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert body[:3] == b"\xff\xd8\xff"
    status, headers, body = original
    assert status == 200
    assert body == stored
    assert headers["content-type"] == "image/heic"
    assert headers["content-disposition"] == 'inline; filename="Harbour at dusk.heic"'
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert "x-accel-redirect" not in headers


def test_an_animations_moving_preview_is_served_from_disk_like_the_still_ones(tmp_path):
    with nginx_in_front(tmp_path) as (base, app):
        image = upload(base, gif_bytes(frames=3, width=400, height=300), "moving.gif")
        moving = fetch(f"{base}/image/{image['id']}/a320.webp")
        still = fetch(f"{base}/image/{image['id']}/w320.webp")
        stored = (app.media / f"images/{image['id']}.a320.webp").read_bytes()

    status, headers, body = moving
    assert status == 200
    assert body == stored
    assert headers["content-type"] == "image/webp"
    assert headers["etag"] != f'"{image["sha256"]}-a320"'  # nginx's own: from disk
    assert headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert still[0] == 200 and still[2] != body
