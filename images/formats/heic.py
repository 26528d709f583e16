"""HEIC/HEIF, the photos of iPhones and many Android phones, read through
pillow-heif (libheif with libde265).

Browsers other than Safari do not show it, so `/image/<id>` serves a
full-size JPEG rendition made at upload (images.renditions) and the stored
file is at `/image/<id>/original`. Metadata goes losslessly, in place
(images.metadata.heif); a layout that cannot be walked is re-encoded.
"""

import pillow_heif

from images.formats.base import ImageFormat
from images.metadata import heif

# Only the primary images: thumbnails, depth maps and HDR gain maps stored
# beside them are neither decoded nor counted.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Measured peaks of validating, previewing and making the JPEG rendition
# (bench/amplification.py), bytes a pixel: libheif decodes to YCbCr planes,
# converts to RGB and Pillow copies that (11.0 for a phone's 8-bit photo);
# 10- and 12-bit pictures decode at 16 bits a sample first (22.4).
BYTES_PER_PIXEL_8_BIT = 12
BYTES_PER_PIXEL_DEEP = 24
# Re-encoding, for the rare file whose metadata cannot be removed in place.
REENCODE_QUALITY = 90


def decode_bytes(picture) -> int:
    deep = picture.info.get("bit_depth", 8) > 8
    per_pixel = BYTES_PER_PIXEL_DEEP if deep else BYTES_PER_PIXEL_8_BIT
    return picture.width * picture.height * per_pixel


def strip_metadata(source, destination) -> bool:
    try:
        return heif.strip(source, destination)
    except heif.NotWalkable:
        return heif.reencode(source, destination, "HEIF", quality=REENCODE_QUALITY)


FORMAT = ImageFormat(
    content_type="image/heic",
    label="HEIC",
    extension="heic",
    other_extensions=("heif", "hif"),
    pillow_formats=("HEIF",),
    strip_metadata=strip_metadata,
    decode_bytes=decode_bytes,
    check_structure=heif.check,
    browsers_show=False,
)
