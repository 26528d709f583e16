"""POST /upload/ with Accept: application/json: one file per request (upload.js)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from images.models import Image
from tests.conftest import stored_files
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE_KEYS = {"id", "name", "size", "date", "content_type", "width", "height", "url", "page_url"}


def script_upload(client, *files, headers=None, **fields):
    """What static/js/upload.js sends: multipart, Accept: application/json."""
    data = {"file": [SimpleUploadedFile(name, body) for name, body in files], **fields}
    return client.post("/upload/", data, headers={"Accept": "application/json", **(headers or {})})


def test_it_answers_201_with_the_image(client, media_root):
    response = script_upload(client, ("cat.png", png_bytes(width=30, height=20)))

    image = Image.objects.get()
    body = response.json()
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert IMAGE_KEYS <= set(body["image"])
    assert body["image"]["id"] == image.pk
    assert (body["image"]["width"], body["image"]["height"]) == (30, 20)
    assert body["image"]["page_url"] == f"http://testserver/images/{image.pk}/"
    assert response["Location"] == f"http://testserver/images/{image.pk}/"
    assert image.path in stored_files(media_root)


def test_it_never_shows_the_delete_token(client):
    response = script_upload(client, ("cat.png", png_bytes()))

    assert "token" not in response.content.decode()


def test_it_uses_the_display_name(client):
    response = script_upload(client, ("IMG_1.png", png_bytes()), name="Harbour.png")

    assert response.json()["image"]["name"] == "Harbour.png"


def test_the_upload_is_this_browsers_to_delete(client, other_client):
    image_id = script_upload(client, ("mine.png", png_bytes())).json()["image"]["id"]

    assert "mine.png" in client.get("/delete/").content.decode()
    assert "mine.png" not in other_client.get("/delete/").content.decode()
    assert other_client.post("/delete/", {"id": image_id}).status_code == 403
    assert client.post("/delete/", {"id": image_id}).status_code == 303


def test_it_adds_no_message_for_the_next_page(client):
    script_upload(client, ("cat.png", png_bytes()))

    assert "Uploaded 1 image." not in client.get("/").content.decode()


def test_a_file_that_is_not_an_image_is_415_with_a_json_error(client, media_root):
    response = script_upload(client, ("notes.png", b"just some text, not a picture"))

    assert response.status_code == 415
    assert response.json() == {"error": {
        "code": "unsupported_image",
        "message": "The file is not a PNG, JPEG, GIF, WebP, AVIF or HEIC image.",
    }}
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_an_empty_file_is_400(client):
    response = script_upload(client, ("empty.png", b""))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_file"


def test_no_file_is_400(client):
    response = client.post("/upload/", {"name": "x"}, headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_file"


def test_more_than_one_file_is_400_and_stores_nothing(client):
    response = script_upload(client, ("a.png", png_bytes()), ("b.png", png_bytes()))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_files"
    assert not Image.objects.exists()


def test_it_needs_the_csrf_token_in_the_header(media_root):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/upload/")
    token = browser.cookies["csrftoken"].value

    refused = script_upload(browser, ("cat.png", png_bytes()))
    accepted = script_upload(browser, ("cat.png", png_bytes()), headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert Image.objects.count() == 1


def test_over_the_rate_limit_it_is_429_with_retry_after(client, settings):
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }
    settings.UPLOAD_RATE_LIMIT = "1/h"

    first = script_upload(client, ("a.png", png_bytes()))
    second = script_upload(client, ("b.png", png_bytes()))

    assert (first.status_code, second.status_code) == (201, 429)
    assert second.json()["error"]["code"] == "rate_limited"
    assert int(second["Retry-After"]) >= 1


def test_a_browser_form_post_still_gets_pages(client):
    response = client.post(
        "/upload/",
        {"file": SimpleUploadedFile("cat.png", png_bytes())},
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )

    assert response.status_code == 303
