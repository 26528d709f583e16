"""Expiring images: hidden the moment they expire, then deleted with their files
and one `image.deleted` each, also by two sweepers at once."""

import json
import os
import re
import time
import urllib.request
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from images.expiry import delete_expired
from images.models import Image
from tests.conftest import stored_files
from tests.live_server import LiveServer
from tests.test_realtime import listening, next_event, orm, private_channel_layer  # noqa: F401
from tests.traffic import Listeners

pytestmark = pytest.mark.django_db(transaction=True)


def expire(*images, ago=timedelta(seconds=1)):
    Image.objects.filter(pk__in=[image.pk for image in images]).update(
        expires_at=timezone.now() - ago
    )


def test_an_expired_image_is_gone_from_every_read_at_once(client, make_image, media_root):
    kept, gone = make_image("kept.png").image, make_image("gone.png").image

    expire(gone)

    listing = client.get("/api/images/").json()
    assert [image["id"] for image in listing["results"]] == [kept.pk]
    assert listing["count"] == 1
    for address in (f"/api/images/{gone.pk}/", f"/image/{gone.pk}", f"/image/{gone.pk}/w320.webp",
                    f"/images/{gone.pk}/", f"/view/?id={gone.pk}"):
        assert client.get(address).status_code == 404, address
    assert f'data-image-id="{gone.pk}"' not in client.get("/").content.decode()
    # Hidden, not yet deleted: that is the sweeper's job.
    assert Image.objects.filter(pk=gone.pk).exists()
    assert any(name.startswith(f"images/{gone.pk}.") for name in stored_files(media_root))


def test_an_image_that_will_expire_says_when_everywhere(client, make_image):
    image = make_image("soon.png").image
    Image.objects.filter(pk=image.pk).update(
        expires_at=timezone.now() + timedelta(hours=3, seconds=30)
    )

    item = client.get(f"/api/images/{image.pk}/").json()
    page = client.get(f"/images/{image.pk}/").content.decode()

    assert item["expires_at"] == Image.objects.get(pk=image.pk).expires_at.isoformat()
    assert re.search(r"<dt>Expires</dt><dd><time datetime=\"[^\"]+\"[^>]*>in 3\xa0hours</time>",
                     page)


def test_an_image_without_expiry_has_expires_at_null(client, make_image):
    image = make_image().image

    assert client.get(f"/api/images/{image.pk}/").json()["expires_at"] is None


async def test_the_sweep_deletes_expired_images_their_files_and_announces_each_once(
    make_image, media_root
):
    first, second, kept = [(await orm(make_image, f"{n}.png")).image for n in range(3)]
    await orm(expire, first, second)

    async with listening() as socket:
        deleted = await orm(delete_expired)
        events = [await next_event(socket), await next_event(socket)]
        assert await socket.receive_nothing()

    assert deleted == 2
    assert sorted(events, key=lambda e: e["id"]) == [
        {"type": "image.deleted", "id": first.pk}, {"type": "image.deleted", "id": second.pk}
    ]
    assert await orm(lambda: list(Image.objects.values_list("pk", flat=True))) == [kept.pk]
    assert all(not name.startswith((f"images/{first.pk}.", f"images/{second.pk}."))
               for name in stored_files(media_root))
    assert await orm(delete_expired) == 0


# Two sweepers at once, in two server processes sharing the database and Redis.


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"two sweeping processes need Redis to share events: {error}")
    return url


def upload(server, n: int) -> int:
    from tests.corpus import png_bytes
    from tests.traffic import Client, Ledger

    client = Client(server.port, Ledger())
    try:
        return client.upload("upload", png_bytes(4 + n % 5, 4), f"wave{n}.png").json()["id"]
    finally:
        client.close()


EXPIRE_ALL = (
    "from django.utils import timezone; from images.models import Image; "
    "Image.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now())"
)


def test_two_processes_sweeping_at_once_delete_each_image_once(tmp_path):
    """Both servers sweep every 50 ms; waves of images expire at one instant; every
    image is deleted, and announced, exactly once."""
    settings = {"REDIS_URL": redis_url(), "EXPIRY_SWEEP_SECONDS": "0.05", "LOG_LEVEL": "INFO"}
    with LiveServer.production(tmp_path / "a", **settings) as first:
        # A second replica: same database, media and Redis, its own port and sweeper.
        second = LiveServer(tmp_path / "b")
        second.env = dict(first.env)
        second.root.mkdir()
        second.start()
        try:
            with Listeners(first.port, 1) as listeners:
                ids = []
                for _wave in range(4):
                    wave_ids = [upload(first if n % 2 else second, n) for n in range(15)]
                    first.manage("shell", "-c", EXPIRE_ALL)
                    ids += wave_ids
                    deadline = time.monotonic() + 20
                    while time.monotonic() < deadline and api_count(first.url):
                        time.sleep(0.05)
                listeners.wait_for(set(ids), set(ids), 20)
        finally:
            second.stop()
        logs = first.log.read_text() + second.log.read_text()

    deleted = [image_id for kind, image_id in listeners.heard[0] if kind == "image.deleted"]
    assert sorted(deleted) == sorted(ids), "each image announced as deleted exactly once"
    by_process = [sum(int(n) for n in re.findall(r"deleted (\d+) expired image", server_log))
                  for server_log in (first.log.read_text(), second.log.read_text())]
    assert sum(by_process) == len(ids)
    assert "Traceback" not in logs


def api_count(url: str) -> int:
    with urllib.request.urlopen(f"{url}/api/images/", timeout=10) as response:
        return json.load(response)["count"]
