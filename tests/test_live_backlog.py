"""A client that stops reading slows no other client and is dropped, bounded.

The live tier's real application and channel layer; what stands in for the
server is the transport of one client that never reads: its `send` never
completes once the socket is accepted, as a full TCP send buffer behaves.
"""

import asyncio

import pytest
from channels.layers import get_channel_layer

from realtime.broadcast import GROUP
from realtime.consumers import MAX_BACKLOG, gallery_socket, hub
from tests.test_realtime import ORIGIN, WAIT

EVENTS = 400  # about 700 bytes each: several times MAX_BACKLOG


def scope():
    return {
        "type": "websocket", "path": "/ws/gallery/", "raw_path": b"/ws/gallery/",
        "query_string": b"",
        "headers": [(b"host", b"localhost:8000"), (b"origin", ORIGIN.encode())],
        "scheme": "ws", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
        "subprotocols": [],
    }


class Client:
    def __init__(self, *, reads: bool):
        self.reads = reads
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.frames: list[str] = []
        self.accepted = asyncio.Event()
        self.stalled = asyncio.Event()

    async def receive(self):
        return await self.inbox.get()

    async def send(self, message):
        if message["type"] == "websocket.accept":
            self.accepted.set()
        elif not self.reads:
            self.stalled.set()
            await asyncio.Event().wait()  # never returns: the client reads nothing
        elif message["type"] == "websocket.send":
            self.frames.append(message["text"])

    def start(self):
        self.inbox.put_nowait({"type": "websocket.connect"})
        return asyncio.create_task(gallery_socket(scope(), self.receive, self.send))


def event(n: int) -> dict:
    image = {
        "id": n, "name": f"{'x' * 200}-{n}.png", "size": 1, "date": "2026-01-01T00:00:00+00:00",
        "content_type": "image/png", "width": 1, "height": 1, "sha256": "0" * 64,
        "url": f"/image/{n}", "original_url": f"/image/{n}", "page_url": f"/images/{n}/",
        "placeholder": "",
        "thumbnail_url": f"/image/{n}", "thumbnail_2x_url": f"/image/{n}",
    }
    return {"type": "image.created", "image": image}


async def test_a_client_that_never_reads_is_dropped_and_slows_no_one():
    reader, stalled = Client(reads=True), Client(reads=False)
    reading, stalling = reader.start(), stalled.start()
    await asyncio.wait_for(asyncio.gather(reader.accepted.wait(), stalled.accepted.wait()), WAIT)
    gallery = hub()
    layer = get_channel_layer()
    # The hub joins the group in a task of its own: wait until events arrive.
    for _ in range(100):
        await layer.group_send(GROUP, {"type": "image.deleted", "id": 0})
        await asyncio.sleep(0.02)
        if reader.frames:
            break
    (slow,) = [s for s in gallery.subscribers if s.writer is stalling]
    await asyncio.sleep(0.1)
    reader.frames.clear()

    most_held = 0
    for n in range(EVENTS):
        await layer.group_send(GROUP, event(n))
        await asyncio.sleep(0)
        most_held = max(most_held, slow.backlog_bytes)
    await asyncio.wait_for(stalling, WAIT)  # its connection ends: dropped
    for _ in range(100):
        if len(reader.frames) == EVENTS:
            break
        await asyncio.sleep(0.01)

    assert stalled.stalled.is_set()
    assert most_held <= MAX_BACKLOG
    assert slow not in gallery.subscribers
    # The reading client heard every event, in order, none twice.
    assert [f'"id": {n}, ' in frame for n, frame in enumerate(reader.frames)] == [True] * EVENTS
    reader.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(reading, WAIT)
    assert gallery.subscribers == set()


@pytest.mark.parametrize("frame", [{"bytes": b"x"}, {"text": "x" * 2000}])
async def test_a_dropped_or_closed_client_leaves_the_hub(frame):
    client = Client(reads=True)
    task = client.start()
    await asyncio.wait_for(client.accepted.wait(), WAIT)
    assert len(hub().subscribers) == 1
    client.inbox.put_nowait({"type": "websocket.receive", **frame})
    await asyncio.wait_for(task, WAIT)
    assert hub().subscribers == set()
