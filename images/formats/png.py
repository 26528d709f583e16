"""PNG (and animated PNG)."""

from images import animation
from images.decoding import pixel_bytes, still_bytes
from images.formats.base import ImageFormat
from images.metadata import png

# An animated PNG keeps the canvas, the previous one and the frame being
# disposed: three images of its mode (measured 12.0 bytes a pixel for RGBA).
APNG_CANVASES = 3


def decode_bytes(picture) -> int:
    if getattr(picture, "n_frames", 1) > 1:
        canvases = picture.width * picture.height * APNG_CANVASES * pixel_bytes(picture.mode)
        return canvases + animation.held_bytes(picture.size, picture.n_frames)
    return still_bytes(picture)


FORMAT = ImageFormat(
    content_type="image/png",
    label="PNG",
    extension="png",
    pillow_formats=("PNG",),
    strip_metadata=png.strip,
    decode_bytes=decode_bytes,
    animates=True,
)
