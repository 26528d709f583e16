"""The Upload page's resumable uploads (tus-js-client) when the network misbehaves.

A server of its own with small chunks (256 KiB) logs, as JSON, every chunk it
stores; the tests read that log to see from the server's side what arrived:
one upload, each byte stored once, going on after the interruption where it
stopped. The browser's upload speed is throttled so there is time to act
mid-upload.
"""

import json
import time
import urllib.request

import pytest

from tests.live_server import LiveServer
from tests.tus import noise_png

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

CHUNK = 256 * 1024
THROTTLE = 512 * 1024  # bytes per second the browser may send
# The browser logs each request the network cut: expected here.
CUT_OFF = "|".join(["ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET",
                    "ERR_EMPTY_RESPONSE"])


@pytest.fixture(scope="module")
def tus_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("resumable")
    with LiveServer(root, UPLOAD_CHUNK_SIZE=str(CHUNK), LOG_LEVEL="INFO",
                    LOG_FORMAT="json") as server:
        yield server


def events(server, kind: str, upload_id: str | None = None) -> list[dict]:
    """What the server logged of this kind (upload.started, upload.chunk, …)."""
    found = []
    for line in server.log.read_text().splitlines():
        if line.startswith("{") and (entry := json.loads(line)).get("event") == kind:
            if upload_id is None or entry.get("upload_id") == upload_id:
                found.append(entry)
    return found


def wait_for(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)
    return result


class Network:
    """The page's network as Chromium emulates it: throttled, or gone."""

    def __init__(self, context, page):
        self.session = context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.online()

    def online(self):
        self._emulate(offline=False)

    def offline(self):
        self._emulate(offline=True)

    def _emulate(self, offline: bool):
        self.session.send("Network.emulateNetworkConditions", {
            "offline": offline, "latency": 0, "downloadThroughput": -1,
            "uploadThroughput": THROTTLE,
        })


def throttled_page(new_context, server):
    context = new_context()
    page = context.new_page()
    page.goto(f"{server.url}/upload/")
    return Network(context, page), page


def choose(page, name: str, data: bytes):
    page.get_by_label("Images").set_input_files(
        [{"name": name, "mimeType": "image/png", "buffer": data}]
    )
    return page.locator(".upload").filter(has=page.locator(".upload-name", has_text=name))


def the_upload(server, started_before: int) -> str:
    """The id of the one upload the page began after `started_before` others."""
    started = wait_for(lambda: events(server, "upload.started")[started_before:])
    assert len(started) == 1, started
    return started[0]["upload_id"]


def assert_every_byte_arrived_once(server, upload_id: str, data: bytes):
    chunks = events(server, "upload.chunk", upload_id) + events(
        server, "upload.finished", upload_id
    )
    offsets = [chunk["offset"] for chunk in chunks]
    assert offsets == sorted(set(offsets)) and offsets[0] == 0, offsets
    assert sum(chunk["size"] for chunk in chunks) == len(data)
    (finished,) = events(server, "upload.finished", upload_id)
    with urllib.request.urlopen(f"{server.url}/image/{finished['image_id']}") as response:
        assert response.read() == data


def test_an_upload_goes_on_where_it_stopped_after_the_network_went_away(
    new_context, browser_errors, tus_server
):
    browser_errors.expect(CUT_OFF)
    network, page = throttled_page(new_context, tus_server)
    data = noise_png(1200, 900, seed=1)
    started_before = len(events(tus_server, "upload.started"))

    item = choose(page, "offline.png", data)
    upload_id = the_upload(tus_server, started_before)
    wait_for(lambda: len(events(tus_server, "upload.chunk", upload_id)) >= 2)
    network.offline()

    expect(item).to_have_attribute("data-state", "offline")
    expect(item).to_contain_text("once the connection is back")
    stored_before = events(tus_server, "upload.chunk", upload_id)
    time.sleep(1)
    assert events(tus_server, "upload.chunk", upload_id) == stored_before
    network.online()

    expect(item).to_have_attribute("data-state", "done", timeout=60_000)
    expect(item.get_by_role("link", name="offline.png")).to_be_visible()
    assert len(events(tus_server, "upload.started")) == started_before + 1  # never begun again
    after = events(tus_server, "upload.chunk", upload_id)
    assert after[:len(stored_before)] == stored_before
    assert_every_byte_arrived_once(tus_server, upload_id, data)


def test_an_upload_can_be_paused_and_resumed(new_context, tus_server):
    network, page = throttled_page(new_context, tus_server)
    data = noise_png(1200, 900, seed=2)
    started_before = len(events(tus_server, "upload.started"))

    item = choose(page, "paused.png", data)
    upload_id = the_upload(tus_server, started_before)
    wait_for(lambda: events(tus_server, "upload.chunk", upload_id))
    item.get_by_role("button", name="Pause").click()

    expect(item).to_have_attribute("data-state", "paused")
    progress = float(item.locator("progress").evaluate("bar => bar.value"))
    assert 0 < progress < 100
    stored_while_paused = events(tus_server, "upload.chunk", upload_id)
    time.sleep(1)
    assert events(tus_server, "upload.chunk", upload_id) == stored_while_paused
    item.get_by_role("button", name="Resume").click()

    expect(item).to_have_attribute("data-state", "done", timeout=60_000)
    assert_every_byte_arrived_once(tus_server, upload_id, data)


def test_an_upload_retries_by_itself_while_the_server_restarts(
    new_context, browser_errors, tus_server
):
    browser_errors.expect(CUT_OFF)
    network, page = throttled_page(new_context, tus_server)
    data = noise_png(1200, 900, seed=3)
    started_before = len(events(tus_server, "upload.started"))

    item = choose(page, "restart.png", data)
    upload_id = the_upload(tus_server, started_before)
    wait_for(lambda: events(tus_server, "upload.chunk", upload_id))
    tus_server.restart()  # every connection drops; the browser stays online

    expect(item).to_have_attribute("data-state", "done", timeout=60_000)
    assert_every_byte_arrived_once(tus_server, upload_id, data)
