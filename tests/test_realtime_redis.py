"""The production channel layer (Redis pub/sub): delivery, mass disconnects, outages.

Needs the Redis at REDIS_URL (or 127.0.0.1:6379); skipped with the reason when
it does not answer. CI runs one. The outage tests need no Redis at all.
"""

import asyncio
import logging
import uuid

import pytest
import redis
import redis.asyncio
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from core.asgi import application
from realtime.broadcast import GROUP, incident
from realtime.consumers import hub
from realtime.outage import TRY_AGAIN_LATER
from tests.corpus import png_bytes
from tests.test_realtime import ORIGIN, WAIT, api_upload, listening, next_event, orm

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = django_settings.REDIS_URL or "redis://127.0.0.1:6379/0"
UNREACHABLE = "redis://127.0.0.1:1/0"
PUBSUB = "channels_redis.pubsub.RedisPubSubChannelLayer"


def pubsub_layer(url: str, prefix: str) -> dict:
    return {"default": {"BACKEND": PUBSUB, "CONFIG": {"hosts": [url], "prefix": prefix}}}


@pytest.fixture
def redis_prefix(settings):
    """The real Redis layer, under a prefix of this test's own."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {REDIS_URL}, which does not answer: {error}")
    prefix = f"test{uuid.uuid4().hex}"
    settings.CHANNEL_LAYERS = pubsub_layer(REDIS_URL, prefix)
    return prefix


@pytest.fixture
def unreachable_redis(settings):
    settings.CHANNEL_LAYERS = pubsub_layer(UNREACHABLE, "unreachable")
    yield
    incident.failing = False  # a failed test must not leave the next one mid-incident


async def subscribers(channel: str) -> int:
    client = redis.asyncio.from_url(REDIS_URL)
    try:
        [(_, count)] = await client.pubsub_numsub(channel)
        return count
    finally:
        await client.aclose()



@pytest.mark.redis
async def test_an_api_upload_reaches_a_client_through_redis(redis_prefix):
    async with listening() as socket:
        uploaded = await api_upload(png_bytes())
        event = await next_event(socket)

    assert (event["type"], event["image"]["id"]) == ("image.created", uploaded["id"])


@pytest.mark.redis
async def test_a_mass_disconnect_leaves_no_subscribers(redis_prefix, make_image):
    layer = get_channel_layer()._get_layer()  # this event loop's: the state the hub uses
    group = layer._get_group_channel_name(GROUP)
    headers = [(b"origin", ORIGIN.encode()), (b"host", b"localhost:8000")]
    sockets = [WebsocketCommunicator(application, "/ws/gallery/", headers) for _ in range(200)]
    try:
        accepted = await asyncio.gather(*(socket.connect(timeout=WAIT) for socket in sockets))
        assert all(connected for connected, _ in accepted)
        assert len(hub().subscribers) == 200
        # One subscription per process, not per client (the hub joins the
        # group in a task of its own: give it a moment).
        for _ in range(50):
            if await subscribers(group) == 1:
                break
            await asyncio.sleep(0.05)
        assert await subscribers(group) == 1
    finally:
        # All at once, as when a proxy restarts.
        await asyncio.gather(*(socket.disconnect(timeout=WAIT) for socket in sockets))

    assert hub().subscribers == set()
    async with listening() as survivor:
        assert len(hub().subscribers) == 1
        image = (await orm(make_image)).image
        event = await next_event(survivor)
        assert await survivor.receive_nothing()
    assert event["image"]["id"] == image.pk


def test_an_unreachable_redis_fails_no_write_and_is_logged_once(
    unreachable_redis, client, upload, caplog
):
    caplog.set_level(logging.WARNING, logger="live_gallery.realtime")
    first, second = upload(png_bytes(), "a.png"), upload(png_bytes(), "b.png")
    token = first.json()["delete_token"]
    deleted = client.delete(
        f"/api/images/{first.json()['id']}/", headers={"Authorization": f"Bearer {token}"}
    )

    assert (first.status_code, second.status_code, deleted.status_code) == (201, 201, 204)
    failures = [r for r in caplog.records if r.name == "live_gallery.realtime"]
    assert [r.levelname for r in failures] == ["ERROR"]
    assert "unreachable" in failures[0].getMessage()


def test_live_updates_log_once_that_they_work_again(unreachable_redis, settings, upload, caplog):
    caplog.set_level(logging.WARNING, logger="live_gallery.realtime")
    upload(png_bytes(), "down.png")
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    upload(png_bytes(), "up.png")
    upload(png_bytes(), "still-up.png")

    logged = [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "live_gallery.realtime"
    ]
    assert [level for level, _ in logged] == ["ERROR", "WARNING"]
    assert logged[1][1] == "live updates work again"


async def test_a_socket_opened_while_redis_is_down_is_told_to_try_again_later(
    unreachable_redis, caplog
):
    caplog.set_level(logging.INFO)
    headers = [(b"origin", ORIGIN.encode()), (b"host", b"localhost:8000")]
    closes = []
    for _ in range(3):  # a gallery retrying
        socket = WebsocketCommunicator(application, "/ws/gallery/", headers)
        connected, _ = await socket.connect(timeout=WAIT)
        closes.append((connected, await socket.receive_output(timeout=WAIT)))
        await socket.wait(timeout=WAIT)

    assert closes == [(True, {"type": "websocket.close", "code": TRY_AGAIN_LATER})] * 3
    logged = [(r.name, r.levelname) for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == [("live_gallery.realtime", "ERROR")]
    assert not any(r.exc_info for r in caplog.records)
