"""One log line per request and per upload/delete; JSON on request; no secrets."""

import json
import logging

import pytest

from core.logs import JsonFormatter
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_request_logs_one_line_with_method_path_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="live_gallery.request")

    client.get("/api/images/?page=1")

    (record,) = [r for r in caplog.records if r.name == "live_gallery.request"]
    assert (record.method, record.path, record.status) == ("GET", "/api/images/", 200)
    assert record.duration_ms >= 0


def test_upload_and_delete_each_log_a_line(client, upload, caplog):
    caplog.set_level(logging.INFO, logger="live_gallery.images")
    body = upload(png_bytes()).json()
    client.delete(
        f"/api/images/{body['id']}/", headers={"authorization": f"Bearer {body['delete_token']}"}
    )

    events = [getattr(r, "event", None) for r in caplog.records if r.name == "live_gallery.images"]
    assert events == ["image.uploaded", "image.deleted"]


def test_a_refused_upload_logs_its_name_size_and_reason(upload, caplog):
    caplog.set_level(logging.INFO, logger="live_gallery.images")

    upload(b"<html>not an image</html>", "page.png")

    (record,) = [r for r in caplog.records if getattr(r, "event", None) == "image.refused"]
    assert (record.reason, record.size) == ("unsupported_image", 25)
    assert "page.png" in record.getMessage()


def test_the_delete_token_never_reaches_a_log_line(client, upload, caplog):
    caplog.set_level(logging.DEBUG)
    body = upload(png_bytes()).json()
    client.get(f"/api/images/{body['id']}/")
    client.delete(
        f"/api/images/{body['id']}/", headers={"authorization": f"Bearer {body['delete_token']}"}
    )

    formatted = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert formatted
    assert body["delete_token"] not in formatted


def test_json_format_is_one_object_per_line_with_extra_fields():
    record = logging.makeLogRecord(
        {"name": "live_gallery.request", "levelname": "INFO", "msg": "GET / 200",
         "path": "/", "status": 200}
    )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET / 200"
    assert (entry["path"], entry["status"], entry["level"]) == ("/", 200, "INFO")
