"""Everything made from an upload's pixels, once, at upload: previews for the
gallery, a placeholder to paint before them, and for a format browsers do not
show (HEIC) a full-size rendition for `/image/<id>`.

- **Previews**: one WebP per width of PREVIEW_WIDTHS (for `srcset`), from the
  first frame, EXIF orientation applied, never enlarged; stored as
  `images/<id>.w<width>.webp` and deleted with the image. One that cannot be
  made is logged and skipped: the gallery then shows the original, and the
  upload never fails because of it.
- **Placeholder**: the picture shrunk to PLACEHOLDER_SIZE pixels on its long
  side, as a WebP `data:` URI of a few hundred bytes, kept on the row
  (docs/api.md says why this rather than BlurHash).
- **Rendition**: for a format whose `browsers_show` is false, the first frame
  full size, orientation applied, as JPEG at RENDITION_QUALITY with its
  colour profile and no other metadata, stored under the name a JPEG
  original of that id would have (`images/<id>.jpg`), so `/image/<id>` finds
  it like any original. Required: an upload whose rendition fails is refused.

`render` runs inside the upload's decode slot and before its transaction;
the files are written inside it (images.services, `store_previews`). The
decoded picture is reduced in the mode it decodes to whenever Pillow can
resize that mode, so previews cost one decoded canvas and no full-size copies
(images.decoding counts what it does cost).
"""

import base64
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

from images.errors import CorruptImage
from images.formats import RENDITION, ImageFormat
from images.models import Image
from images.storage import discard

logger = logging.getLogger("live_gallery.images")

QUALITY = 60  # ~11 KB for a detailed 320-pixel photo: 24 tiles stay well under 300 KB
PLACEHOLDER_SIZE = 16
PLACEHOLDER_QUALITY = 40
PLACEHOLDER_MAX_LENGTH = 1000
# JPEG q90: 42–45 dB PSNR against the decoded HEIC at ~1.2 bits a pixel,
# 0.05 s and 3.4 MiB a megapixel to encode; WebP q90 was 35% smaller but 15
# times slower, AVIF 50 times (bench/renditions.py, docs/api.md).
RENDITION_QUALITY = 90


@dataclass(frozen=True)
class Rendered:
    previews: list[bytes] | None
    placeholder: str
    rendition: bytes | None


def render(content, image_format: ImageFormat) -> Rendered:
    """Previews, placeholder and (if its format needs one) the full-size rendition."""
    content.seek(0)
    # Not `with`: the decoded canvas must be freed as soon as a smaller
    # picture replaces it, not when the file is done with (the caller closes it).
    frame = PILImage.open(content)
    rendition = None
    if not image_format.browsers_show:
        frame.load()
        rendition = _rendition(frame)
    try:
        frame = _reduced(frame)
        previews = [_preview(frame, width) for width in settings.PREVIEW_WIDTHS]
    except Exception as exc:  # a preview is a nicety; never fail the upload for it
        logger.warning("no preview: %r", exc)
        return Rendered(previews=None, placeholder="", rendition=rendition)
    return Rendered(previews=previews, placeholder=_placeholder(frame), rendition=rendition)


def store_previews(image: Image, rendered: Rendered) -> bool:
    """Write the previews of `image`; True if every one was stored."""
    if rendered.previews is None:
        return False
    names = [image.preview_name(width) for width in settings.PREVIEW_WIDTHS]
    try:
        for name, data in zip(names, rendered.previews, strict=True):
            default_storage.save(name, ContentFile(data))
    except Exception as exc:  # no room for previews: the gallery shows the original
        logger.warning("no preview for image %s: %r", image.pk, exc)
        discard(names)
        return False
    return True


def _rendition(frame) -> bytes:
    """`frame`, loaded, turned upright in place (the previews then find it so)."""
    try:
        picture = frame if frame.mode == "RGB" else frame.convert("RGB")
        # In place: a copy of a full-size picture is what memory cannot spare.
        ImageOps.exif_transpose(picture, in_place=True)
        buffer = io.BytesIO()
        options = {"quality": RENDITION_QUALITY, "optimize": True}
        if icc_profile := frame.info.get("icc_profile"):
            options["icc_profile"] = icc_profile
        picture.save(buffer, RENDITION.pillow_formats[0], **options)
    except Exception as exc:  # the upload cannot be shown without it
        raise CorruptImage() from exc
    return buffer.getvalue()


def _reduced(frame):
    """The first frame, oriented, no larger than the widest preview."""
    alpha = _has_alpha(frame)
    # Formats that can decode at a reduced scale (JPEG: libjpeg) do: far
    # less memory and time; for the others this does nothing.
    widest = max(settings.PREVIEW_WIDTHS)
    frame.draft("RGB", (widest, widest))
    frame.seek(0)
    frame.load()
    if frame.mode not in ("L", "RGB", "RGBA", "LA"):
        # Palettes, 16-bit grey, CMYK: resized well only once converted.
        frame = frame.convert("RGBA" if alpha else "RGB")
    # Reduced in place: a box-filter step by a whole factor, then Lanczos; no
    # full-size copy is kept beside the decoded canvas.
    frame.thumbnail((widest, widest * 4), PILImage.Resampling.LANCZOS)
    return ImageOps.exif_transpose(frame.convert("RGBA" if alpha else "RGB"))


def _preview(frame, width: int) -> bytes:
    preview = frame.copy()
    preview.thumbnail((width, width * 4), PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    preview.save(buffer, "WEBP", quality=QUALITY, method=4)
    return buffer.getvalue()


def _placeholder(frame) -> str:
    tiny = frame.copy()
    tiny.thumbnail((PLACEHOLDER_SIZE, PLACEHOLDER_SIZE), PILImage.Resampling.BOX)
    buffer = io.BytesIO()
    tiny.save(buffer, "WEBP", quality=PLACEHOLDER_QUALITY, method=6)
    uri = "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
    return uri if len(uri) <= PLACEHOLDER_MAX_LENGTH else ""


def _has_alpha(picture) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
