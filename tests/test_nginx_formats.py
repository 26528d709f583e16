"""nginx knows every format of the registry: manage.py nginx_formats, and a real nginx."""

import json
import urllib.request

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from images.formats import FORMATS
from images.management.commands import nginx_formats
from tests.corpus import gif_bytes, jpeg_bytes, png_bytes, webp_bytes
from tests.nginx_front import needs_nginx, nginx_in_front


def test_the_committed_include_matches_the_registry():
    call_command("nginx_formats", "--check")


def test_check_fails_when_the_include_is_out_of_date(tmp_path, monkeypatch):
    stale = tmp_path / "live-gallery-formats.inc.template"
    stale.write_text(nginx_formats.render().replace("webp", "wbp"))
    monkeypatch.setattr(nginx_formats, "INCLUDE", stale)
    monkeypatch.setattr(settings, "BASE_DIR", tmp_path)

    with pytest.raises(CommandError, match="does not match images.formats"):
        call_command("nginx_formats", "--check")


def test_every_format_browsers_show_is_tried_with_its_type():
    include = nginx_formats.render()

    for image_format in FORMATS:
        if image_format.browsers_show:
            assert f"{image_format.content_type} {image_format.extension};" in " ".join(
                include.split()
            )
            assert f"/images/$lg_image_id.{image_format.extension} " in include


def upload(base: str, data: bytes, filename: str) -> dict:
    boundary = "nginxformats"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/api/images/", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@needs_nginx
def test_nginx_serves_each_stored_format_from_disk_with_its_type(tmp_path):
    files = {
        "png": png_bytes(20, 10),
        "jpg": jpeg_bytes(20, 10),
        "gif": gif_bytes(2, 20, 10),
        "webp": webp_bytes(False, 20, 10),
    }
    with nginx_in_front(tmp_path) as (base, _):
        for extension, data in files.items():
            image = upload(base, data, f"picture.{extension}")
            with urllib.request.urlopen(f"{base}/image/{image['id']}", timeout=10) as answer:
                served, headers = answer.read(), answer.headers

            assert served == data
            assert headers["Content-Type"] == image["content_type"]
            # nginx's own ETag ("mtime-size"), not the app's SHA-256: from disk
            assert headers["ETag"] != f'"{image["sha256"]}"'
            assert headers["Content-Disposition"] == "inline"
