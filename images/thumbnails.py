"""Small WebP previews for the gallery, so it never sends originals.

Each image gets one thumbnail per width in WIDTHS (for `srcset`), made once
at upload from the first frame, stored beside the original as
`images/<id>.w<width>.webp` and deleted with it. A thumbnail that cannot be
made is logged and skipped: the gallery then shows the original, and the
upload itself never fails because of it.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

from images.models import THUMBNAIL_WIDTHS, Image
from images.storage import discard

logger = logging.getLogger("live_gallery.images")

WIDTHS = THUMBNAIL_WIDTHS
QUALITY = 60  # ~11 KB for a detailed 320-pixel photo: 24 tiles stay well under 300 KB


def make_thumbnails(image: Image, content) -> bool:
    """Write every thumbnail of `image` from its stored `content`; True if all were made."""
    names = [image.preview_name(width) for width in WIDTHS]
    try:
        for name, data in zip(names, _render(content, image.content_type), strict=True):
            default_storage.save(name, ContentFile(data))
    except Exception as exc:  # a preview is a nicety; never fail the upload for it
        logger.warning("no thumbnail for image %s: %r", image.pk, exc)
        discard(names)
        return False
    return True


def _render(content, content_type: str) -> list[bytes]:
    content.seek(0)
    with PILImage.open(content) as picture:
        if content_type == "image/jpeg":
            # Let libjpeg scale down while decoding: far less memory and time.
            picture.draft("RGB", (max(WIDTHS), max(WIDTHS)))
        picture.seek(0)
        frame = ImageOps.exif_transpose(picture.convert("RGBA" if _has_alpha(picture) else "RGB"))
    previews = []
    for width in WIDTHS:
        preview = frame.copy()
        preview.thumbnail((width, width * 4), PILImage.Resampling.LANCZOS)
        buffer = io.BytesIO()
        preview.save(buffer, "WEBP", quality=QUALITY, method=4)
        previews.append(buffer.getvalue())
    return previews


def _has_alpha(picture) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
