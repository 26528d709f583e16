"""Shared fixtures: a private media folder per test, upload helpers, images."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from images.pagecache import copies
from images.services import image_create
from tests.corpus import png_bytes
from tests.stores import moto_server, s3_bucket, s3_store, store  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def responses_match_the_description(settings):
    """Every /api/ response of every test is checked against images/openapi.yaml."""
    settings.MIDDLEWARE = ["tests.openapi_check.ResponsesMatchTheDescription", *settings.MIDDLEWARE]


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Every test stores its files in a folder of its own, through the real storage."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "allow_overwrite": True},
        },
    }
    return root


@pytest.fixture(autouse=True)
def fresh_page_copies():
    """A test's rolled-back rows never commit, so nothing would mark the copies
    made during it stale: every test starts without any."""
    copies.clear()


def files_of_all_images() -> list[str]:
    """What storage should hold: every stored name of every image row."""
    from images.models import Image

    return sorted(name for image in Image.objects.all() for name in image.stored_names())


def stored_files(root) -> list[str]:
    """Every file under the media root, as storage-relative paths."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def upload(client):
    """POST one file to the JSON API, the way curl -F file=@… does."""

    def post(data, filename="cat.png", client=client, headers=None, environ=None, **fields):
        return client.post(
            "/api/images/",
            {"file": SimpleUploadedFile(filename, data), **fields},
            headers=headers,
            **(environ or {}),
        )

    return post


@pytest.fixture
def make_image():
    """Store an image through the service, as an upload would."""

    def make(name="cat.png", data=None, uploader_key=None):
        file = SimpleUploadedFile(name, data if data is not None else png_bytes())
        return image_create(file=file, name=name, uploader_key=uploader_key)

    return make


@pytest.fixture
def other_client():
    return Client()


def body_of(response) -> bytes:
    """The whole body of a response, streamed from an async iterator or not."""
    if not response.streaming:
        return response.content
    if not response.is_async:  # served to a WSGI request, as the HTTP tier does
        return b"".join(response.streaming_content)

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


@pytest.fixture
def make_image_async(make_image):
    """make_image for async tests: (image, bytes) stored from a worker thread."""

    async def make(data: bytes):
        created = await sync_to_async(make_image)(data=data)
        return created.image, data

    return make


@pytest.fixture
async def close_sync_thread_connections():
    """Close the database connection of asgiref's single sync thread after a test.

    Async code reaches the ORM through that thread; a server closes its
    connection at the end of each request, a test does not, and an open one
    blocks dropping the PostgreSQL test database.
    """
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
async def async_client(async_client, close_sync_thread_connections):
    return async_client
