"""Races a crowd produces: one image deleted by many at once, names taken and freed.

Deletes race through the real ASGI app (as daphne calls it) while a live
client listens; the name race is made deterministic by deleting the clashing
row at the exact moment the upload would look for it.
"""

import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import Client

from images.models import Image
from tests.corpus import png_bytes
from tests.test_realtime import (  # noqa: F401 (private_channel_layer: autouse)
    WAIT,
    listening,
    orm,
    private_channel_layer,
)

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 8


async def deleted_ids_heard(socket) -> list[int]:
    heard = []
    while not await socket.receive_nothing(timeout=1):
        event = await socket.receive_json_from(timeout=WAIT)
        if event["type"] == "image.deleted":
            heard.append(event["id"])
    return heard


def racing(requests: list) -> list[int]:
    """Run each request function in its own thread, released together; their statuses."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait(timeout=WAIT)
            statuses[index] = request()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


async def test_racing_api_deletes_give_one_204_the_rest_404_and_one_event(make_image):
    created = await orm(make_image)
    path = f"/api/images/{created.image.pk}/"
    bearer = {"authorization": f"Bearer {created.delete_token}"}

    def delete():
        return Client().delete(path, headers=bearer).status_code

    async with listening() as socket:
        statuses = await sync_to_async(racing, thread_sensitive=False)([delete] * RACERS)
        heard = await deleted_ids_heard(socket)

    assert sorted(statuses) == [204] + [404] * (RACERS - 1)
    assert heard == [created.image.pk]


def uploader_browser(uploader_key: str) -> Client:
    """A browser whose session uploaded with this key (images.access)."""
    browser = Client()
    session = browser.session
    session["live_gallery.uploader"] = uploader_key
    session.save()
    browser.cookies["sessionid"] = session.session_key
    return browser


async def test_a_double_submitted_page_delete_is_303_then_404_with_one_event(make_image):
    created = await orm(make_image, uploader_key="uploader-key-of-this-browser")
    browsers = [await orm(uploader_browser, "uploader-key-of-this-browser") for _ in range(2)]

    def post(browser):
        return lambda: browser.post("/delete/", {"id": created.image.pk}).status_code

    async with listening() as socket:
        statuses = await sync_to_async(racing, thread_sensitive=False)(
            [post(browser) for browser in browsers]
        )
        heard = await deleted_ids_heard(socket)

    assert sorted(statuses) == [303, 404]
    assert heard == [created.image.pk]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers: no name is freed while an upload holds the write lock",
)
def test_a_name_freed_while_an_upload_clashes_with_it_still_gets_a_name(upload, make_image):
    """The clashing row is deleted between the failed insert and any later look:
    the upload must still be stored (numbered), not reported as an outage."""
    make_image(name="same.png")
    clashed = []

    def delete_the_clashing_row_after_the_clash(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception:
            if sql.lstrip().upper().startswith("INSERT") and not clashed:
                clashed.append(sql)
                delete_elsewhere()
            raise

    def delete_elsewhere():
        """Another client deletes same.png and commits, from its own connection."""
        other = threading.Thread(target=racing, args=([delete_same],))
        other.start()
        other.join()

    def delete_same():
        return Image.objects.filter(name="same.png").delete()

    with connection.execute_wrapper(delete_the_clashing_row_after_the_clash):
        response = upload(png_bytes(), "same.png")

    assert clashed, "the upload never clashed: the test did not reproduce the race"
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "same (2).png"
