"""The moving gallery preview of an animated GIF, WebP or PNG.

Made once at upload beside the still previews (images.renditions), as an
animated WebP ANIMATED_PREVIEW_WIDTH pixels wide (never enlarged), stored as
`images/<id>.a<width>.webp` and served at `/image/<id>/a<width>.webp`. The
gallery tile shows it where motion is welcome and the still first frame to
visitors who ask for reduced motion (`prefers-reduced-motion`,
templates/images/_tile.html).

What one costs is bounded whatever the upload holds (validation has already
bounded the file itself: MAX_IMAGE_FRAMES, the pixels of all frames, the
decoder's memory). The preview takes the animation's first frames, up to:

- MAX_FRAMES frames;
- SOURCE_PIXELS pixels of source canvas decoded for it (a large canvas gets
  fewer frames: decoding dominates the time);
- HELD_PIXELS pixels of preview frames held until they are encoded (the
  formats' `decode_bytes` count them: `held_bytes`).

Fewer than two frames within those bounds: no animated preview, the still one
is shown. A hostile 1,000-frame GIF thus costs what its first MAX_FRAMES
frames cost (docs/performance.md has the measured times). Frames keep their
durations (one under MIN_DURATION_MS plays at DEFAULT_DURATION_MS, as
browsers play GIFs) and the loop count.
"""

import io

from django.conf import settings
from PIL import Image as PILImage

MAX_FRAMES = 50
SOURCE_PIXELS = 25_000_000
HELD_PIXELS = 5_000_000
QUALITY = 60
# libwebp's effort for animations: 2 encodes 50 frames in about half the time
# of 4 for ~10% more bytes; here the time grows with every frame.
METHOD = 2
# Bicubic rather than the stills' Lanczos: a third less time a frame, and a
# 320-pixel picture in motion shows no difference.
RESAMPLING = PILImage.Resampling.BICUBIC
MIN_DURATION_MS = 20
DEFAULT_DURATION_MS = 100
ORIENTATION = 0x0112
TRANSPOSES = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}


def held_bytes(canvas: tuple[int, int], frames: int) -> int:
    """What the preview's frames of an animation of `frames` frames hold until
    encoded, at most HELD_BYTES (images.decoding adds it to the decoder's share);
    the larger of the picture as stored and turned a quarter by its Exif."""
    held = 0
    for width, height in (canvas, canvas[::-1]):
        size = preview_size(width, height)
        count = frames_for(canvas, size, frames)
        if count >= 2:
            held = max(held, count * size[0] * size[1] * 4)
    return held


def preview_size(width: int, height: int) -> tuple[int, int]:
    """The animated preview of a picture displayed `width` × `height`."""
    scale = min(settings.ANIMATED_PREVIEW_WIDTH / width, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def frames_for(canvas: tuple[int, int], preview: tuple[int, int], frames: int) -> int:
    """How many of `frames` the preview takes, within every bound."""
    return min(
        frames,
        MAX_FRAMES,
        SOURCE_PIXELS // (canvas[0] * canvas[1]),
        HELD_PIXELS // (preview[0] * preview[1]),
    )


def animated_preview(picture) -> bytes | None:
    """`picture` (opened, not yet loaded) as an animated WebP; None if it is
    not animated, or too large to animate within the bounds."""
    total = getattr(picture, "n_frames", 1)
    if total < 2:
        return None
    transpose = TRANSPOSES.get(_orientation(picture))
    width, height = picture.size
    if transpose in (PILImage.Transpose.TRANSPOSE, PILImage.Transpose.TRANSVERSE,
                     PILImage.Transpose.ROTATE_90, PILImage.Transpose.ROTATE_270):
        width, height = height, width
    size = preview_size(width, height)
    count = frames_for(picture.size, size, total)
    if count < 2:
        return None
    frames, durations = [], []
    for index in range(count):
        picture.seek(index)
        # RGBA only where a frame is transparent: resizing it costs half again.
        frame = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
        if transpose is not None:
            frame = frame.transpose(transpose)
        if frame.size != size:
            frame = frame.resize(size, RESAMPLING, reducing_gap=2.0)
        frames.append(frame)
        duration = picture.info.get("duration") or 0
        durations.append(duration if duration >= MIN_DURATION_MS else DEFAULT_DURATION_MS)
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "WEBP", save_all=True, append_images=frames[1:], duration=durations,
        loop=picture.info.get("loop", 1), quality=QUALITY, method=METHOD,
    )
    return buffer.getvalue()


def _has_alpha(picture) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _orientation(picture) -> int:
    try:
        return picture.getexif().get(ORIENTATION, 1)
    except Exception:  # a broken Exif is no orientation: viewers ignore it too
        return 1
