"""Decoding is bounded (issue 16): what one upload may decode (MAX_DECODE_BYTES),
how many decode at once (MAX_CONCURRENT_DECODES, DECODE_QUEUE_TIMEOUT)."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from images.decoding import FIXED_BYTES, decode_slot, decodes_running
from images.models import Image
from tests.conftest import stored_files
from tests.corpus import gif_bytes, gif_canvas_bomb, png_bytes, png_flat
from tests.test_faults import noisy_png

pytestmark = pytest.mark.django_db(transaction=True)


def api_upload(data, filename="image.png", client=None):
    return (client or Client()).post("/api/images/", {"file": SimpleUploadedFile(filename, data)})


def test_a_269_byte_gif_with_a_huge_canvas_is_413_before_decoding(upload, media_root):
    data = gif_canvas_bomb(7000, 7000, frames=10)

    response = upload(data, "canvas.gif")

    assert len(data) == 269
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "image_too_large"
    assert error["message"] == (
        "Decoding this image would take about 623.5\xa0MiB of memory; the limit is 384\xa0MiB."
    )
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_the_bound_counts_bytes_per_pixel_not_only_pixels(upload, settings):
    settings.MAX_DECODE_BYTES = FIXED_BYTES + 40_000

    grey = upload(png_flat(100, 100, "L"), "grey.png")  # one byte a pixel
    rgba = upload(png_flat(100, 100, "RGBA"), "rgba.png")  # four, and a premultiplied copy

    assert grey.status_code == 201
    assert rgba.status_code == 413
    assert rgba.json()["error"]["code"] == "image_too_large"


def test_an_animation_counts_the_canvases_its_decoder_keeps(upload, settings):
    # a still palette picture: the indices, then an RGB copy for the preview
    settings.MAX_DECODE_BYTES = FIXED_BYTES + 60 * 60 * 5

    still = upload(gif_bytes(1, 60, 60), "still.gif")
    animated = upload(gif_bytes(3, 60, 60), "animated.gif")

    assert still.status_code == 201
    assert animated.status_code == 413


def test_a_big_canvas_of_one_byte_pixels_is_accepted(upload):
    response = upload(png_flat(7000, 7000, "L"), "flat.png")

    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (7000, 7000)


def hold_every_slot(settings, wait: float):
    settings.MAX_CONCURRENT_DECODES = 1
    settings.DECODE_QUEUE_TIMEOUT = wait
    return decode_slot()


def in_thread(work):
    """Run `work` in a thread of its own, as a server runs each request; its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", work()))
    thread.start()
    return thread, result


def test_an_upload_finding_every_slot_busy_gets_503_with_retry_after(settings, media_root):
    with hold_every_slot(settings, wait=0.2):
        thread, result = in_thread(lambda: api_upload(png_bytes()))
        thread.join(timeout=10)

    response = result["value"]
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "server_busy"
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_an_upload_waits_for_a_slot_and_then_goes_ahead(settings):
    with hold_every_slot(settings, wait=30):
        thread, result = in_thread(lambda: api_upload(png_bytes()))
        time.sleep(0.3)
        assert "value" not in result  # still waiting for the slot
    thread.join(timeout=30)

    assert result["value"].status_code == 201


def test_concurrent_uploads_decode_at_most_the_limit_at_once(settings):
    settings.MAX_CONCURRENT_DECODES = 2
    settings.DECODE_QUEUE_TIMEOUT = 60
    data = noisy_png(700, 700)  # tens of milliseconds to decode: long enough to overlap
    start = threading.Barrier(6)
    seen, done = [], threading.Event()

    def watch():
        while not done.is_set():
            seen.append(decodes_running())
            time.sleep(0.001)

    def one(n):
        start.wait()
        return api_upload(data, f"{n}.png").status_code

    watcher = threading.Thread(target=watch)
    watcher.start()
    uploads = [in_thread(lambda n=n: one(n)) for n in range(6)]
    for thread, _ in uploads:
        thread.join(timeout=60)
    done.set()
    watcher.join()

    assert [result["value"] for _, result in uploads] == [201] * 6
    assert 1 <= max(seen) <= 2
    assert Image.objects.count() == 6


def test_the_form_refuses_ten_canvas_gifs_one_by_one(client, media_root):
    files = [SimpleUploadedFile(f"canvas-{n}.gif", gif_canvas_bomb()) for n in range(10)]

    response = client.post("/upload/", {"file": files})

    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("Decoding this image would take about 623.5\xa0MiB of memory") == 10
    assert stored_files(media_root) == []


def test_a_busy_server_answers_the_form_with_a_503_page(settings, client):
    with hold_every_slot(settings, wait=0):
        response = client.post("/upload/", {"file": SimpleUploadedFile("a.png", png_bytes())})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "The server is busy with other uploads" in response.content.decode()


def test_a_busy_server_answers_the_page_script_with_json(settings, client):
    with hold_every_slot(settings, wait=0):
        response = client.post(
            "/upload/",
            {"file": SimpleUploadedFile("a.png", png_bytes())},
            headers={"Accept": "application/json"},
        )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "server_busy"
