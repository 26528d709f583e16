"""The compose stack's nginx, for real: what it answers itself, beside the app."""

import json
import socket

from tests.nginx_front import needs_nginx, nginx_in_front

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
