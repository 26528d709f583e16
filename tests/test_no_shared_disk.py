"""Two app processes that share no disk: one PostgreSQL, one Redis, one S3.

Each replica gets its own private MEDIA_ROOT and temp folder (TMPDIR); the
only things they share are the services a deployment across hosts shares. An
upload through A must be listed, shown (bytes and previews) and deleted
through B, live subscribers of both must hear both events, and neither may
leave a file in its own folders.
"""

import asyncio
import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
import websockets

from tests import s3
from tests.live_server import LiveServer, postgres_url
from tests.test_faults import noisy_png

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not (postgres_url() and os.environ.get("REDIS_URL")),
        reason="replicas share state through PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
    ),
]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def upload(server: LiveServer, data: bytes, filename: str):
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return http("POST", f"{server.url}/api/images/", body, headers)


def files_in(folder) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def replicas(tmp_path, moto_server, s3_bucket):
    """A and B: same database, Redis and bucket; private media and temp folders
    (UPLOAD_TEMP_DIR is <root>/tmp, and so is every other temp file: TMPDIR)."""

    def private(name: str) -> dict:
        (tmp_path / name / "tmp").mkdir(parents=True)
        return {"TMPDIR": str(tmp_path / name / "tmp"),
                **s3.environment(s3_bucket, moto_server.url)}

    a = LiveServer.production(tmp_path / "a", **private("a"))
    b = LiveServer.production(tmp_path / "b", **private("b"))
    b.env["DATABASE_URL"] = a.env["DATABASE_URL"]  # A's database, created and dropped by A
    b.postgres_database = None
    with a:
        b.start()
        try:
            yield a, b
        finally:
            b.stop()


class Subscriber:
    def __init__(self, server: LiveServer):
        self.url = server.url.replace("http://", "ws://") + "/ws/gallery/"
        self.origin = server.url

    async def __aenter__(self):
        self.socket = await websockets.connect(self.url, origin=self.origin, open_timeout=10)
        return self

    async def __aexit__(self, *exc_info):
        await self.socket.close()

    async def next_event(self, type_: str) -> dict:
        while True:
            event = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=15))
            if event["type"] == type_:
                return event


async def test_an_upload_through_a_is_listed_shown_and_deleted_through_b(replicas, s3_bucket,
                                                                           moto_server):
    a, b = replicas
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE: A receives it into its own temp folder.
    data = noisy_png(1000, 1000)
    async with Subscriber(a) as on_a, Subscriber(b) as on_b:
        status, _, body = await asyncio.to_thread(upload, a, data, "no-shared-disk.png")
        assert status == 201, body
        image = json.loads(body)
        for subscriber in (on_a, on_b):
            assert (await subscriber.next_event("image.created"))["image"]["id"] == image["id"]

        status, _, listing = await asyncio.to_thread(http, "GET", f"{b.url}/api/images/")
        assert image["id"] in [item["id"] for item in json.loads(listing)["results"]]
        status, headers, served = await asyncio.to_thread(
            http, "GET", f"{b.url}/image/{image['id']}"
        )
        assert (status, headers["Content-Type"], served) == (200, "image/png", data)
        for width in (320, 640):
            status, headers, preview = await asyncio.to_thread(
                http, "GET", f"{b.url}/image/{image['id']}/w{width}.webp"
            )
            assert (status, headers["Content-Type"], preview[8:12]) == (200, "image/webp", b"WEBP")

        status, _, _ = await asyncio.to_thread(
            http, "DELETE", f"{b.url}/api/images/{image['id']}/",
            headers={"Authorization": f"Bearer {image['delete_token']}"},
        )
        assert status == 204
        for subscriber in (on_a, on_b):
            assert (await subscriber.next_event("image.deleted"))["id"] == image["id"]

    for server in (a, b):
        status, _, _ = await asyncio.to_thread(http, "GET", f"{server.url}/image/{image['id']}")
        assert status == 404
        assert files_in(server.media) == files_in(server.root / "tmp") == []
    assert s3.client(moto_server.url).list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
