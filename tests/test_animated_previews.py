"""Animated GIFs, WebPs and PNGs also get a moving preview, bounded in what it costs."""

import io
import time

import pytest
from django.core.management import call_command
from PIL import Image as PILImage

from images import animation
from images.models import Image
from tests.conftest import body_of
from tests.corpus import gif_bytes, png_bytes, webp_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def picture(data: bytes) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


def frame_durations(data: bytes) -> list[int]:
    image = PILImage.open(io.BytesIO(data))
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        image.load()
        durations.append(image.info["duration"])
    return durations


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (gif_bytes(frames=5, width=400, height=300), "moving.gif"),
        (webp_bytes(frames=5, width=400, height=300), "moving.webp"),
    ],
)
def test_an_animation_gets_an_animated_preview_beside_its_still_ones(
    client, upload, store, data, name
):
    body = upload(data, name).json()

    response = client.get(f"/image/{body['id']}/a320.webp")

    assert body["animated_thumbnail_url"] == f"http://testserver/image/{body['id']}/a320.webp"
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert response["ETag"] == f'"{body["sha256"]}-a320"'
    data = body_of(response)
    moving = picture(data)
    assert (moving.format, moving.size, moving.n_frames) == ("WEBP", (320, 240), 5)
    assert frame_durations(data) == [100] * 5
    still = picture(body_of(client.get(f"/image/{body['id']}/w320.webp")))
    assert getattr(still, "n_frames", 1) == 1
    assert f"images/{body['id']}.a320.webp" in store.names()


def test_a_still_image_has_none(client, upload):
    body = upload(png_bytes(width=400, height=300)).json()

    assert body["animated_thumbnail_url"] is None
    assert client.get(f"/image/{body['id']}/a320.webp").status_code == 404
    assert not Image.objects.get().has_animated_preview


def test_only_the_animated_width_is_served(client, upload):
    body = upload(gif_bytes(frames=3, width=400, height=300), "moving.gif").json()

    assert client.get(f"/image/{body['id']}/a640.webp").status_code == 404


def test_a_long_animation_is_cut_to_its_first_frames(client, upload):
    body = upload(gif_bytes(frames=animation.MAX_FRAMES + 10, width=40, height=30), "long.gif")

    moving = picture(body_of(client.get(f"/image/{body.json()['id']}/a320.webp")))

    assert moving.n_frames == animation.MAX_FRAMES
    assert moving.size == (40, 30)  # never enlarged


def test_a_hostile_thousand_frame_gif_costs_what_its_first_frames_cost(client, upload):
    # Frames far apart in colour: the WebP encoder merges frames it cannot tell apart.
    frames = [PILImage.new("P", (400, 300), i % 2 * 255) for i in range(1000)]
    for frame in frames:
        frame.putpalette(bytes(range(256)) * 3)
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0,
        optimize=False, disposal=1,
    )

    started = time.monotonic()
    body = upload(buffer.getvalue(), "hostile.gif").json()
    seconds = time.monotonic() - started

    moving = picture(body_of(client.get(f"/image/{body['id']}/a320.webp")))
    assert moving.n_frames == animation.MAX_FRAMES
    assert seconds < 30  # generous for a loaded CI machine; ~1 s idle (docs/performance.md)


def test_a_large_canvas_gets_fewer_frames():
    assert animation.frames_for((3500, 3500), (320, 320), 40) == 2
    assert animation.frames_for((8000, 8000), (320, 320), 40) == 0
    assert animation.frames_for((200, 200), (200, 200), 1000) == animation.MAX_FRAMES
    assert animation.frames_for((320, 6400), (320, 6400), 40) == 2


def test_delete_removes_the_animated_preview_too(client, upload, store):
    body = upload(gif_bytes(frames=3, width=400, height=300), "moving.gif").json()
    assert len(store.names()) == 4

    response = client.delete(
        f"/api/images/{body['id']}/", headers={"authorization": f"Bearer {body['delete_token']}"}
    )

    assert response.status_code == 204
    assert store.names() == []


def test_the_animated_preview_belongs_to_its_image(make_image, store):
    image = make_image("moving.gif", gif_bytes(frames=3, width=400, height=300)).image

    call_command("reconcile_media", "--fix", "--min-age", "0", stdout=io.StringIO())

    assert image.has_animated_preview
    assert store.names() == sorted(image.stored_names())
    assert image.animated_preview_name() in store.names()


def test_a_failed_upload_leaves_no_animated_preview_behind():
    names = Image.names_for(7, "image/gif")

    assert "images/7.a320.webp" in names


def test_the_tile_plays_it_and_shows_the_still_one_for_reduced_motion(client, upload):
    body = upload(gif_bytes(frames=3, width=400, height=300), "moving.gif").json()

    html = client.get("/").content.decode()

    tile = html[html.index(f'data-image-id="{body["id"]}"'):]
    tile = tile[: tile.index("</li>")]
    assert (
        '<picture><source media="(prefers-reduced-motion: reduce)" '
        f'srcset="/image/{body["id"]}/w320.webp 320w, /image/{body["id"]}/w640.webp 640w"'
    ) in tile
    assert f'<img class="preview" src="/image/{body["id"]}/a320.webp"' in tile
    assert "</picture>" in tile


def test_a_still_tile_has_no_picture_element(client, upload):
    body = upload(png_bytes(width=400, height=300)).json()

    html = client.get("/").content.decode()

    tile = html[html.index(f'data-image-id="{body["id"]}"'):]
    assert "<picture>" not in tile[: tile.index("</li>")]
