"""Small WebP previews for the gallery, so it never sends originals.

Each image gets one thumbnail per width of PREVIEW_WIDTHS (for `srcset`), made once
at upload from the first frame, stored beside the original as
`images/<id>.w<width>.webp` and deleted with it. A thumbnail that cannot be
made is logged and skipped: the gallery then shows the original, and the
upload itself never fails because of it.

They are rendered (`render_thumbnails`, inside the upload's decode slot)
before the upload's transaction and stored inside it (`store_thumbnails`).
The full-size picture is reduced in the mode it decodes to whenever Pillow
can resize that mode, so a preview costs one decoded canvas and no full-size
copies (images.decoding counts what it does cost).
"""

import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

from images.models import Image
from images.storage import discard

logger = logging.getLogger("live_gallery.images")

QUALITY = 60  # ~11 KB for a detailed 320-pixel photo: 24 tiles stay well under 300 KB


def render_thumbnails(content) -> list[bytes] | None:
    """The WebP thumbnails of an upload's `content`, one per width; None if they
    cannot be made."""
    try:
        return _render(content)
    except Exception as exc:  # a preview is a nicety; never fail the upload for it
        logger.warning("no thumbnail: %r", exc)
        return None


def store_thumbnails(image: Image, thumbnails: list[bytes] | None) -> bool:
    """Write the rendered thumbnails of `image`; True if all were stored."""
    if thumbnails is None:
        return False
    names = [image.preview_name(width) for width in settings.PREVIEW_WIDTHS]
    try:
        for name, data in zip(names, thumbnails, strict=True):
            default_storage.save(name, ContentFile(data))
    except Exception as exc:  # no room for previews: the gallery shows the original
        logger.warning("no thumbnail for image %s: %r", image.pk, exc)
        discard(names)
        return False
    return True


def _render(content) -> list[bytes]:
    content.seek(0)
    # Not `with`: the decoded canvas must be freed as soon as a smaller
    # picture replaces it, not when the file is done with (the caller closes it).
    frame = PILImage.open(content)
    # Formats that can decode at a reduced scale (JPEG: libjpeg) do: far
    # less memory and time; for the others this does nothing.
    widest = max(settings.PREVIEW_WIDTHS)
    frame.draft("RGB", (widest, widest))
    frame.seek(0)
    alpha = _has_alpha(frame)
    frame.load()
    if frame.mode not in ("L", "RGB", "RGBA", "LA"):
        # Palettes, 16-bit grey, CMYK: resized well only once converted.
        frame = frame.convert("RGBA" if alpha else "RGB")
    # Reduced in place: a box-filter step by a whole factor, then Lanczos; no
    # full-size copy is kept beside the decoded canvas.
    frame.thumbnail((widest, widest * 4), PILImage.Resampling.LANCZOS)
    frame = ImageOps.exif_transpose(frame.convert("RGBA" if alpha else "RGB"))
    previews = []
    for width in settings.PREVIEW_WIDTHS:
        preview = frame.copy()
        preview.thumbnail((width, width * 4), PILImage.Resampling.LANCZOS)
        buffer = io.BytesIO()
        preview.save(buffer, "WEBP", quality=QUALITY, method=4)
        previews.append(buffer.getvalue())
    return previews


def _has_alpha(picture) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
