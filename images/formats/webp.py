"""WebP, still or animated, lossy or lossless."""

from images import animation
from images.formats.base import ImageFormat
from images.metadata import webp

# Pillow decodes every WebP with libwebp's animation decoder, which keeps two
# RGBA canvases, hands each frame over as bytes that Pillow copies into the
# image: measured 16.5 bytes a pixel, still or animated.
BYTES_PER_PIXEL = 17


def decode_bytes(picture) -> int:
    held = animation.held_bytes(picture.size, getattr(picture, "n_frames", 1))
    return picture.width * picture.height * BYTES_PER_PIXEL + held


FORMAT = ImageFormat(
    content_type="image/webp",
    label="WebP",
    extension="webp",
    pillow_formats=("WEBP",),
    strip_metadata=webp.strip,
    decode_bytes=decode_bytes,
    animates=True,
)
