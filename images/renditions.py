"""Everything made from an upload's pixels, once, at upload: previews for the
gallery, a placeholder to paint before them, and for a format browsers do not
show (HEIC) a full-size rendition for `/image/<id>`.

- **Previews**: one WebP per width of PREVIEW_WIDTHS (for `srcset`), from the
  first frame, EXIF orientation applied, never enlarged; stored as
  `images/<id>.w<width>.webp` and deleted with the image. One that cannot be
  made is logged and skipped: the gallery then shows the original, and the
  upload never fails because of it.
- **Animated preview**: for an animation, also a moving WebP of its first
  frames (images.animation), stored as `images/<id>.a<width>.webp`; like the
  still previews a nicety, skipped when it cannot be made.
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

from images.animation import animated_preview
from images.errors import CorruptImage
from images.formats import RENDITION, ImageFormat
from images.models import Image
from images.storage import discard
from images.validation import QUARTER_TURNS

logger = logging.getLogger("live_gallery.images")

QUALITY = 60  # ~11 KB for a detailed 320-pixel photo: 24 tiles stay well under 300 KB
# libwebp's effort, 0–6: 4 (its default) is 2–3× the time of 2 for 6–8% fewer
# bytes; every visitor pays the bytes, the upload pays the time once and is
# still well within the speed target (docs/performance.md, "Previews").
WEBP_METHOD = 4
# A preview is at most this many times as tall as it is wide.
TALLEST = 4
# Shrinking first by a whole factor with a box filter while the picture stays
# at least this many times the target size, then Lanczos: Pillow's default
# for `thumbnail`, indistinguishable from Lanczos alone (docs/performance.md).
REDUCING_GAP = 2.0
ORIENTATION = 0x0112
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
    animation: bytes | None = None


def render(content, image_format: ImageFormat) -> Rendered:
    """Previews, placeholder and (if its format needs one) the full-size rendition."""
    content.seek(0)
    # Not `with`: the decoded canvas must be freed as soon as a smaller
    # picture replaces it, not when the file is done with (the caller closes it).
    frame = PILImage.open(content)
    rendition = animation = None
    if not image_format.browsers_show:
        frame.load()
        rendition = _rendition(frame)
    elif image_format.animates:
        try:
            animation = animated_preview(frame)
        except Exception as exc:  # the still previews are enough
            logger.warning("no animated preview: %r", exc)
    try:
        frame, displayed = _reduced(frame)
        previews = _previews(frame, displayed)
    except Exception as exc:  # a preview is a nicety; never fail the upload for it
        logger.warning("no preview: %r", exc)
        return Rendered(previews=None, placeholder="", rendition=rendition)
    return Rendered(
        previews=previews, placeholder=_placeholder(frame), rendition=rendition,
        animation=animation,
    )


def store_previews(image: Image, rendered: Rendered) -> None:
    """Write the previews of `image` and say which it has (`has_thumbnails`,
    `has_animated_preview`); the caller saves the row."""
    image.has_thumbnails = image.has_animated_preview = False
    if rendered.previews is None:
        return
    names = [image.preview_name(width) for width in settings.PREVIEW_WIDTHS]
    files = list(zip(names, rendered.previews, strict=True))
    if rendered.animation is not None:
        names.append(image.animated_preview_name())
        files.append((names[-1], rendered.animation))
    try:
        for name, data in files:
            default_storage.save(name, ContentFile(data))
    except Exception as exc:  # no room for previews: the gallery shows the original
        logger.warning("no preview for image %s: %r", image.pk, exc)
        discard(names)
        return
    image.has_thumbnails = True
    image.has_animated_preview = rendered.animation is not None


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
    """The first frame, oriented, as wide as the widest preview (or as it is),
    and the size of the whole picture as displayed."""
    alpha = _has_alpha(frame)
    displayed = frame.size
    widest = max(settings.PREVIEW_WIDTHS)
    # The bound is on the width as displayed: a quarter-turned photo's
    # stored height. Bounding the stored width made a portrait photo's
    # "640w" preview 480 pixels wide.
    turned = _orientation(frame) in QUARTER_TURNS
    box = (widest * TALLEST, widest) if turned else (widest, widest * TALLEST)
    if turned:
        displayed = displayed[::-1]
    target = _fitted(frame.size, box)
    # Formats that can decode at a reduced scale (JPEG: libjpeg's DCT
    # scaling, by 1/2, 1/4 or 1/8) decode just large enough for `target`:
    # far less memory and time; for the others this does nothing. Neither
    # side asks for more than `widest`, so the scale is never smaller than
    # the one images.formats.jpeg counts the memory of.
    frame.draft("RGB", (target[0], min(target[1], widest)) if not turned
                else (min(target[0], widest), target[1]))
    frame.seek(0)
    frame.load()
    if frame.mode not in ("L", "RGB", "RGBA", "LA"):
        # Palettes, 16-bit grey, CMYK: resized well only once converted.
        frame = frame.convert("RGBA" if alpha else "RGB")
    if frame.size != target:
        # A box-filter step by a whole factor while the picture stays at
        # least REDUCING_GAP times the target, then Lanczos; the decoded
        # canvas is freed as soon as this smaller picture replaces it.
        frame = frame.resize(target, PILImage.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    if frame.mode != ("RGBA" if alpha else "RGB"):
        frame = frame.convert("RGBA" if alpha else "RGB")
    ImageOps.exif_transpose(frame, in_place=True)
    return frame, displayed


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` shrunk to fit `box`, aspect kept, never enlarged (as `thumbnail`)."""
    scale = min(box[0] / size[0], box[1] / size[1], 1)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _orientation(frame) -> int:
    try:
        return frame.getexif().get(ORIENTATION, 1)
    except Exception:  # a broken Exif is no orientation: viewers ignore it too
        return 1


def _previews(frame, displayed: tuple[int, int]) -> list[bytes]:
    """One WebP per width of PREVIEW_WIDTHS, widest first, each made from the
    next wider one (the first is `frame` itself), in the settings' order.
    Sizes come from the whole picture's (`displayed`), so rounding does not add up."""
    made = {}
    source = frame
    for width in sorted(settings.PREVIEW_WIDTHS, reverse=True):
        size = _fitted(displayed, (width, width * TALLEST))
        if size != source.size:
            source = source.resize(size, PILImage.Resampling.LANCZOS)
        made[width] = _webp(source)
    return [made[width] for width in settings.PREVIEW_WIDTHS]


def _webp(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", quality=QUALITY, method=WEBP_METHOD)
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
