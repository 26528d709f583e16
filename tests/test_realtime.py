"""`/ws/gallery/`: who may listen, what each client hears, and which writes are announced.

Everything goes through `core.asgi.application` as daphne would call it, and
through whichever channel layer the settings chose (in-memory, or Redis
pub/sub when REDIS_URL is set); tests/test_realtime_redis.py pins Redis.
"""

import json
import re
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

import images
from core.asgi import application
from images.models import Image
from images.services import image_delete
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

# In the default ALLOWED_HOSTS, which the Origin check reads when core.asgi is
# first imported (before pytest-django adds "testserver").
ORIGIN = "http://localhost:8000"
WAIT = 5  # seconds; generous for a loaded CI machine, used only when a test fails


@pytest.fixture(autouse=True)
def private_channel_layer(settings):
    """A fresh layer per test; on Redis, under a prefix no other process shares."""
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer:
        layer = {**layer, "CONFIG": {**layer["CONFIG"], "prefix": f"test{uuid.uuid4().hex}"}}
    settings.CHANNEL_LAYERS = {"default": {**layer}}


@asynccontextmanager
async def listening(origin=ORIGIN, *, host=None, headers=()):
    """A client connected to /ws/gallery/, disconnected however the test ends."""
    host = host or urlsplit(origin).netloc
    socket = WebsocketCommunicator(
        application,
        "/ws/gallery/",
        headers=[(b"origin", origin.encode()), (b"host", host.encode()), *headers],
    )
    connected, _ = await socket.connect(timeout=WAIT)
    try:
        assert connected, "the socket was refused"
        yield socket
    finally:
        await socket.disconnect(timeout=WAIT)


async def refused(headers) -> bool:
    socket = WebsocketCommunicator(application, "/ws/gallery/", headers=headers)
    try:
        connected, _ = await socket.connect(timeout=WAIT)
        return not connected
    finally:
        await socket.disconnect(timeout=WAIT)


async def orm(function, *args, **kwargs):
    """Call sync (database) code from a test's event loop, in a worker thread as views run.

    The thread's connection is closed afterwards, as at the end of a request:
    left open, it would keep PostgreSQL from dropping the test database.
    """

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return await sync_to_async(call)()


async def next_event(socket) -> dict:
    return await socket.receive_json_from(timeout=WAIT)


async def http(method, path, *, body=b"", headers=(), host="localhost:8000") -> dict:
    """One request through the ASGI app, as daphne would make it."""
    request = HttpCommunicator(
        application, method, path, body=body, headers=[(b"host", host.encode()), *headers]
    )
    response = await request.get_response(timeout=WAIT)
    await request.wait(timeout=WAIT)
    return response


def headers_of(response) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in response["headers"]}


async def api_upload(data: bytes, filename="cat.png") -> dict:
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(filename, data)})
    headers = [
        (b"content-type", MULTIPART_CONTENT.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    response = await http("POST", "/api/images/", body=body, headers=headers)
    assert response["status"] == 201, response["body"]
    return json.loads(response["body"])


def url_for(path: str, origin=ORIGIN) -> str:
    return origin + path


# Who may listen


async def test_a_client_of_an_allowed_origin_is_accepted():
    async with listening() as socket:
        assert await socket.receive_nothing()


async def test_a_foreign_origin_is_refused():
    assert await refused([(b"origin", b"http://evil.example"), (b"host", b"localhost:8000")])


async def test_a_handshake_without_origin_is_refused():
    assert await refused([(b"host", b"localhost:8000")])


async def test_a_host_outside_allowed_hosts_is_refused():
    assert await refused([(b"origin", ORIGIN.encode()), (b"host", b"evil.example")])


# What a client hears


async def test_a_client_hears_an_upload_with_urls_for_its_own_origin(make_image):
    async with listening() as socket:
        image = (await orm(make_image, "cat.png")).image
        event = await next_event(socket)

    assert event["type"] == "image.created"
    assert event["image"]["id"] == image.pk
    assert event["image"]["name"] == "cat.png"
    assert event["image"]["url"] == url_for(f"/image/{image.pk}")
    assert event["image"]["page_url"] == url_for(f"/images/{image.pk}/")


async def test_an_api_upload_reaches_a_client_as_the_api_image_object():
    async with listening() as socket:
        uploaded = await api_upload(png_bytes(width=5, height=3))
        event = await next_event(socket)
    shown = json.loads((await http("GET", f"/api/images/{uploaded['id']}/"))["body"])

    assert set(event) == {"type", "image"}
    assert event["image"] == shown
    assert "delete_token" not in event["image"]
    assert (event["image"]["width"], event["image"]["height"]) == (5, 3)


async def test_a_client_hears_a_deletion_by_id(make_image):
    image = (await orm(make_image)).image
    image_id = image.pk
    async with listening() as socket:
        await orm(image_delete, image=image, actor="test")
        event = await next_event(socket)

    assert event == {"type": "image.deleted", "id": image_id}


async def test_clients_of_different_origins_each_get_their_own_urls(make_image):
    other = "http://127.0.0.1:8123"
    async with listening() as mine, listening(other) as theirs:
        image = (await orm(make_image)).image
        heard = [(await next_event(socket))["image"]["url"] for socket in (mine, theirs)]

    assert heard == [url_for(f"/image/{image.pk}"), url_for(f"/image/{image.pk}", other)]


async def test_subscribers_of_one_origin_are_sent_one_encoded_frame(make_image):
    async with listening() as first, listening() as second:
        await orm(make_image)
        frames = [await socket.receive_output(timeout=WAIT) for socket in (first, second)]

    assert frames[0]["type"] == frames[1]["type"] == "websocket.send"
    # The very same str object: encoded once, not once per subscriber.
    assert frames[0]["text"] is frames[1]["text"]


async def test_forwarded_headers_make_the_urls_only_when_trusted(settings, make_image):
    forwarded = [(b"x-forwarded-host", b"gallery.example"), (b"x-forwarded-proto", b"https")]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "gallery.example"]
    async with listening(headers=forwarded) as untrusting:
        settings.USE_X_FORWARDED_HOST = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        async with listening(headers=forwarded) as behind_proxy:
            image = (await orm(make_image)).image
            proxied = await next_event(behind_proxy)
        direct = await next_event(untrusting)

    assert proxied["image"]["url"] == f"https://gallery.example/image/{image.pk}"
    assert direct["image"]["url"] == url_for(f"/image/{image.pk}")


# What a client may send


async def test_text_from_a_client_is_ignored(make_image):
    async with listening() as socket:
        await socket.send_to(text_data='{"type": "image.deleted", "id": 1}')
        assert await socket.receive_nothing()
        image = (await orm(make_image)).image
        event = await next_event(socket)

    assert event["image"]["id"] == image.pk


async def test_a_binary_frame_closes_the_socket_as_unsupported_data():
    async with listening() as socket:
        await socket.send_to(bytes_data=b"\x00\x01")
        closed = await socket.receive_output(timeout=WAIT)

    assert (closed["type"], closed["code"]) == ("websocket.close", 4003)


async def test_an_oversized_text_frame_closes_the_socket_as_too_big():
    async with listening() as socket:
        await socket.send_to(text_data="x" * 1025)
        closed = await socket.receive_output(timeout=WAIT)

    assert (closed["type"], closed["code"]) == ("websocket.close", 4009)


# Which writes are announced: every way a row can come or go


def upload_and_delete_through_the_pages():
    browser = Client()
    response = browser.post("/upload/", {"file": SimpleUploadedFile("page.png", png_bytes())})
    assert response.status_code == 303
    image = Image.objects.get(name="page.png")
    response = browser.post("/delete/", {"id": image.pk})
    assert response.status_code == 303
    return image.pk


async def test_uploads_and_deletes_through_the_pages_are_announced():
    async with listening() as socket:
        image_id = await orm(upload_and_delete_through_the_pages)
        created, deleted = await next_event(socket), await next_event(socket)

    assert (created["type"], created["image"]["id"]) == ("image.created", image_id)
    assert deleted == {"type": "image.deleted", "id": image_id}


async def test_a_resumable_upload_is_announced_when_its_last_chunk_commits():
    data = png_bytes(40, 40)
    tus = (b"tus-resumable", b"1.0.0")
    async with listening() as socket:
        created = await http(
            "POST", "/api/uploads/", headers=[tus, (b"upload-length", str(len(data)).encode())]
        )
        path = urlsplit(headers_of(created)[b"location"].decode()).path
        finished = await http("PATCH", path, body=data, headers=[
            tus, (b"upload-offset", b"0"), (b"content-type", b"application/offset+octet-stream"),
            (b"content-length", str(len(data)).encode()),
        ])
        event = await next_event(socket)

    assert finished["status"] == 204
    assert event["type"] == "image.created"
    assert str(event["image"]["id"]).encode() == headers_of(finished)[b"image-id"]


async def test_a_delete_through_the_api_is_announced():
    async with listening() as socket:
        uploaded = await api_upload(png_bytes())
        await next_event(socket)
        response = await http(
            "DELETE",
            f"/api/images/{uploaded['id']}/",
            headers=[(b"authorization", f"Bearer {uploaded['delete_token']}".encode())],
        )
        event = await next_event(socket)

    assert response["status"] == 204
    assert event == {"type": "image.deleted", "id": uploaded["id"]}


def delete_in_the_admin(image_id):
    staff = get_user_model().objects.create_user(
        "staff", password="unused-in-this-test", is_staff=True, is_superuser=True
    )
    browser = Client()
    browser.force_login(staff)
    response = browser.post(f"/admin/images/image/{image_id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image_id).exists()


async def test_a_delete_in_the_admin_is_announced(make_image):
    image = (await orm(make_image)).image
    async with listening() as socket:
        await orm(delete_in_the_admin, image.pk)
        event = await next_event(socket)

    assert event == {"type": "image.deleted", "id": image.pk}


async def test_a_queryset_delete_announces_every_image(make_image):
    ids = {(await orm(make_image, f"{n}.png")).image.pk for n in range(3)}
    async with listening() as socket:
        await orm(Image.objects.all().delete)
        events = [await next_event(socket) for _ in ids]

    assert {event["id"] for event in events} == ids
    assert {event["type"] for event in events} == {"image.deleted"}


def roll_back_an_insert_and_a_delete(image):
    with pytest.raises(RuntimeError), transaction.atomic():
        Image.objects.create(
            name="ghost.png", size=1, content_type="image/png", width=1, height=1, sha256="0" * 64
        )
        Image.objects.filter(pk=image.pk).delete()
        raise RuntimeError("roll back")


async def test_a_rolled_back_transaction_announces_nothing(make_image):
    kept = (await orm(make_image, "kept.png")).image
    async with listening() as socket:
        await orm(roll_back_an_insert_and_a_delete, kept)
        after = (await orm(make_image, "after.png")).image
        event = await next_event(socket)

    # The first thing heard is the upload made after the rollback.
    assert (event["type"], event["image"]["id"]) == ("image.created", after.pk)
    assert await orm(Image.objects.filter(pk=kept.pk).exists)


def test_the_images_app_never_imports_realtime():
    sources = Path(images.__file__).parent.rglob("*.py")
    importing = [
        path.name
        for path in sources
        if re.search(r"^\s*(from|import)\s+realtime\b", path.read_text(), re.MULTILINE)
    ]

    assert importing == []
