"""Animated GIFs move in the grid, unless the visitor prefers reduced motion."""

import io
import re

import pytest
from PIL import Image

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

# The served bytes of the picture the browser chose: how many frames (WebP ANMF chunks).
FRAMES_SERVED = """async (image) => {
  const bytes = new Uint8Array(await (await fetch(image.currentSrc)).arrayBuffer());
  let frames = 0;
  for (let i = 12; i + 8 <= bytes.length;) {
    const fourcc = String.fromCharCode(...bytes.slice(i, i + 4));
    const size = bytes[i + 4] | bytes[i + 5] << 8 | bytes[i + 6] << 16 | bytes[i + 7] << 24;
    if (fourcc === "ANMF") frames += 1;
    i += 8 + size + (size % 2);
  }
  return frames;
}"""


def blinking_gif(frames: int = 6) -> bytes:
    """Black and white in turn, 100 ms each, forever."""
    pictures = [Image.new("RGB", (160, 120), (255, 255, 255) if i % 2 else (0, 0, 0))
                for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=100,
                     loop=0)
    return buffer.getvalue()


def moves(preview, looks: int = 10) -> bool:
    """Whether the picture on screen changes over `looks` screenshots ~70 ms apart
    (a canvas would not tell: drawImage draws an animation's first frame)."""
    first = preview.screenshot(animations="allow")
    for _ in range(looks):
        preview.page.wait_for_timeout(70)
        if preview.screenshot(animations="allow") != first:
            return True
    return False


def loaded_preview(page, image_id: int):
    preview = page.locator(f'#gallery [data-image-id="{image_id}"] img.preview')
    expect(preview).to_have_js_property("complete", True)
    page.wait_for_function("(image) => image.naturalWidth > 0", arg=preview.element_handle())
    # The placeholder has stepped aside and the picture is decoded and painted.
    expect(page.locator(f'#gallery [data-image-id="{image_id}"] .picture')).to_have_class(
        re.compile(r"\bloaded\b")
    )
    preview.evaluate("(image) => image.decode()")
    page.wait_for_timeout(300)
    return preview


def current_source(preview) -> str:
    return preview.evaluate("(image) => new URL(image.currentSrc).pathname")


def test_an_animated_gif_moves_in_the_grid(page, api, empty_gallery):
    image = api.upload("blinking.gif", blinking_gif())
    page.goto("/")

    preview = loaded_preview(page, image["id"])

    assert current_source(preview) == f"/image/{image['id']}/a320.webp"
    assert preview.evaluate(FRAMES_SERVED) == 6
    assert moves(preview)


def test_reduced_motion_gets_the_still_first_frame(new_context, api, empty_gallery):
    image = api.upload("blinking.gif", blinking_gif())
    page = new_context(reduced_motion="reduce").new_page()
    page.goto("/")

    preview = loaded_preview(page, image["id"])

    assert current_source(preview).startswith(f"/image/{image['id']}/w")
    assert preview.evaluate(FRAMES_SERVED) == 0  # a still WebP has no frames of animation


def test_an_animation_arriving_live_moves_too(page, api, empty_gallery):
    page.goto("/")
    image = api.upload("blinking.gif", blinking_gif())

    preview = loaded_preview(page, image["id"])

    assert current_source(preview) == f"/image/{image['id']}/a320.webp"
    assert moves(preview)
