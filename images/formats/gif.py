"""GIF, still or animated."""

from images import animation
from images.decoding import still_bytes
from images.formats.base import ImageFormat
from images.metadata import gif

# An animated GIF: each frame after the first is composed on an RGBA canvas,
# the previous canvas is kept for disposal, and the frame itself decoded
# (measured 13.0 bytes a pixel with full-canvas frames).
ANIMATED_BYTES_PER_PIXEL = 13


def decode_bytes(picture) -> int:
    if getattr(picture, "n_frames", 1) > 1:
        canvases = picture.width * picture.height * ANIMATED_BYTES_PER_PIXEL
        return canvases + animation.held_bytes(picture.size, picture.n_frames)
    return still_bytes(picture)


FORMAT = ImageFormat(
    content_type="image/gif",
    label="GIF",
    extension="gif",
    pillow_formats=("GIF",),
    strip_metadata=gif.strip,
    decode_bytes=decode_bytes,
    animates=True,
)
