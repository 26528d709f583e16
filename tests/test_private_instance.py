"""UPLOADS_REQUIRE_KEY and X-API-Key: who may upload, what a key may delete,
its own rate limit, and that a key is never shown again."""

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from images.models import Image
from tests.conftest import stored_files
from tests.corpus import png_bytes
from tests.test_realtime import http, listening, private_channel_layer  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def new_key(name: str) -> str:
    out = io.StringIO()
    call_command("api_key", "create", name, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def revoke(name: str):
    call_command("api_key", "revoke", name, stderr=io.StringIO())


@pytest.fixture
def private(settings):
    settings.UPLOADS_REQUIRE_KEY = True


def with_key(key: str) -> dict:
    return {"X-API-Key": key}


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("X-API-Key")


# A private instance refuses anonymous uploads on every route.


def test_an_anonymous_api_upload_is_401_and_stores_nothing(private, upload, media_root):
    assert_unauthorized(upload(png_bytes()))
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_upload_page_script_gets_401_json(private, client):
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes())},
        headers={"accept": "application/json"},
    )

    assert_unauthorized(response)
    assert Image.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_upload_page_asks_anonymous_visitors_to_sign_in(private, client, method):
    response = getattr(client, method)("/upload/")

    assert response.status_code == 401
    html = response.content.decode()
    assert 'href="/admin/login/?next=/upload/"' in html
    assert "<form method=\"post\" enctype" not in html
    assert Image.objects.count() == 0


def test_a_signed_in_user_uploads_on_the_page(private, client):
    user = get_user_model().objects.create_user("writer", password="pw-used-only-here")
    client.force_login(user)

    assert client.get("/upload/").status_code == 200
    response = client.post("/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes())})

    assert response.status_code == 303
    assert Image.objects.count() == 1


def test_a_key_uploads_and_the_image_records_it(private, upload):
    key = new_key("ci")

    response = upload(png_bytes(), headers=with_key(key))

    assert response.status_code == 201
    image = Image.objects.get()
    assert image.api_key.name == "ci"
    assert image.api_key.last_used is not None


@pytest.mark.parametrize("private_instance", [True, False], ids=["private", "public"])
def test_a_wrong_or_revoked_key_is_401_wherever_it_is_sent(settings, upload, private_instance):
    settings.UPLOADS_REQUIRE_KEY = private_instance
    key = new_key("old")
    revoke("old")

    for sent in (key, key[:-2] + "xx", "lg_nothing", ""):
        assert_unauthorized(upload(png_bytes(), headers=with_key(sent)))
    assert Image.objects.count() == 0


def test_a_public_instance_still_takes_anonymous_uploads(upload):
    assert upload(png_bytes()).status_code == 201


# What a key may delete.


def test_a_key_deletes_what_it_uploaded_but_not_another_key_s(client, upload, media_root):
    mine, theirs = new_key("mine"), new_key("theirs")
    image = upload(png_bytes(), headers=with_key(mine)).json()
    address = f"/api/images/{image['id']}/"

    refused = client.delete(address, headers=with_key(theirs))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"

    assert client.delete(address, headers=with_key(mine)).status_code == 204
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_key_may_not_delete_an_image_uploaded_without_one(client, upload):
    image = upload(png_bytes()).json()

    response = client.delete(f"/api/images/{image['id']}/", headers=with_key(new_key("k")))

    assert response.status_code == 403


def test_a_revoked_key_deletes_nothing(client, upload):
    key = new_key("gone")
    image = upload(png_bytes(), headers=with_key(key)).json()
    revoke("gone")

    assert_unauthorized(client.delete(f"/api/images/{image['id']}/", headers=with_key(key)))
    assert Image.objects.count() == 1


# Rate limits: per client and per key.


def test_a_key_is_limited_across_clients(settings, upload):
    settings.UPLOAD_RATE_LIMIT = "2/m"
    key = new_key("spread")
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]

    answers = [
        upload(png_bytes(), f"{n}.png", headers=with_key(key), environ={"REMOTE_ADDR": address})
        for n, address in enumerate(addresses)
    ]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) >= 1
    # Another client without the key is not held by the key's count.
    other = upload(png_bytes(), "x.png", environ={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 201


# A key is shown once: never in logs, pages or events.


def test_a_key_never_reaches_logs_pages_or_events(client, upload, caplog, settings):
    key = new_key("secretive")
    settings.UPLOADS_REQUIRE_KEY = True
    with caplog.at_level(logging.DEBUG):
        image = upload(png_bytes(), headers=with_key(key)).json()
        pages = [Client().get(path).content.decode() for path in
                 ("/", f"/images/{image['id']}/", "/api/images/", f"/api/images/{image['id']}/")]
        client.delete(f"/api/images/{image['id']}/", headers=with_key(key))

    records = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "image uploaded" in records and "image deleted" in records
    assert key not in records
    assert not any(key in page for page in pages)
    assert key not in str(image)


async def test_a_key_never_reaches_live_events():
    from asgiref.sync import sync_to_async
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    key = await sync_to_async(new_key)("evented")
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("cat.png", png_bytes())})
    headers = [(b"content-type", MULTIPART_CONTENT.encode()),
               (b"content-length", str(len(body)).encode()), (b"x-api-key", key.encode())]
    async with listening() as socket:
        response = await http("POST", "/api/images/", body=body, headers=headers)
        frame = await socket.receive_from(timeout=5)

    assert response["status"] == 201
    assert '"image.created"' in frame
    assert key not in frame
