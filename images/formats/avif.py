"""AVIF (AV1 in a HEIF container), still or a sequence, read by Pillow's own
plugin (libavif with dav1d). Current Chromium, Firefox and Safari show it.

Metadata goes losslessly, in place, as for HEIC (images.metadata.heif); a
layout that cannot be walked is re-encoded.
"""

from images.formats.base import ImageFormat
from images.metadata import heif

# Measured peak of decoding (bench/amplification.py): dav1d's YUV planes,
# libavif's RGBA and Pillow's copy, 9.3 bytes a pixel, per canvas (a
# sequence keeps one frame at a time).
BYTES_PER_PIXEL = 10
REENCODE_QUALITY = 90


def decode_bytes(picture) -> int:
    return picture.width * picture.height * BYTES_PER_PIXEL


def strip_metadata(source, destination) -> bool:
    try:
        return heif.strip(source, destination)
    except heif.NotWalkable:
        return heif.reencode(source, destination, "AVIF", quality=REENCODE_QUALITY)


FORMAT = ImageFormat(
    content_type="image/avif",
    label="AVIF",
    extension="avif",
    other_extensions=("avifs",),
    pillow_formats=("AVIF",),
    strip_metadata=strip_metadata,
    decode_bytes=decode_bytes,
    check_structure=heif.check,
)
