"""JPEG, including MPO (a JPEG with more pictures after the first, from phone
cameras: Pillow opens it as MPO; only the first picture is kept)."""

import math

from django.conf import settings

from images.decoding import per_pixel_bytes
from images.formats.base import ImageFormat
from images.metadata import jpeg


def draft_size(width: int, height: int, wanted: int) -> tuple[int, int]:
    """What libjpeg decodes when asked for at least `wanted` pixels a side
    (Pillow's `draft`: the largest of the scales 1/8, 1/4, 1/2 that keeps both)."""
    scale = min(width // wanted, height // wanted)
    divisor = next((d for d in (8, 4, 2) if scale >= d), 1)
    return math.ceil(width / divisor), math.ceil(height / divisor)


def decode_bytes(picture) -> int:
    """Validation decodes at 1/8 scale and previews at the scale that covers the
    widest one: a JPEG is never decoded at full size."""
    widest = max(settings.PREVIEW_WIDTHS)
    width, height = draft_size(picture.width, picture.height, widest)
    return width * height * per_pixel_bytes(picture.mode)


FORMAT = ImageFormat(
    content_type="image/jpeg",
    label="JPEG",
    extension="jpg",
    other_extensions=("jpeg", "jpe", "jfif"),
    pillow_formats=("JPEG",),
    opened_as=("MPO",),
    strip_metadata=jpeg.strip,
    decode_bytes=decode_bytes,
)
