"""What decoding one upload may cost, and how many decode at once.

Pixels cost memory only once decoded, and a header of a few bytes can ask for
a lot of them: a 269-byte GIF with a 7000 × 7000 canvas and ten 1 × 1 frames
made the server hold ~430 MB for a second, and sixteen at once several
gigabytes (issue 16). Three bounds follow:

- **Per upload** — `decode_bytes(picture)` estimates from the header what
  validating and previewing the file will hold at its peak: canvas pixels ×
  bytes per pixel of the mode the decoder produces × how many canvases it
  keeps at once, plus the full-size copy a preview needs for some modes.
  Validation refuses more than `MAX_DECODE_BYTES` (413 `image_too_large`)
  before a pixel is decoded. The factors were measured per format
  (`bench/amplification.py` prints estimate against measured peak).
- **Per process** — `decode_slot()` lets at most `MAX_CONCURRENT_DECODES`
  uploads decode at the same time; the next ones wait up to
  `DECODE_QUEUE_TIMEOUT` seconds for a slot, then are answered 503 with
  `Retry-After`. Memory in use is then at most the slots times the bound.
- **Afterwards** — when the last running decode ends, the C heap's free
  memory is handed back to the system (`malloc_trim`): glibc keeps freed
  blocks of each thread's arena for reuse, so a burst of large decodes would
  otherwise stay resident.
"""

import ctypes
import logging
import math
import threading
from contextlib import contextmanager

from django.conf import settings

from images.errors import DecodeTooLarge, ServerBusy

logger = logging.getLogger("live_gallery.images")

# The widest preview (images.thumbnails): JPEGs are decoded at the smallest
# scale that still covers it.
PREVIEW_WIDTH = 640
# Pillow keeps one byte per pixel for these modes, two for the 16-bit ones
# and four for all others (RGB is stored as RGBX; libImaging/Storage.c).
ONE_BYTE_MODES = frozenset(["1", "L", "P"])
# Previews are resized in these modes as they are; any other mode is first
# converted (P, 1, I;16, CMYK…) or premultiplied (RGBA, LA) at full size.
RESIZED_AS_IS = frozenset(["L", "RGB"])
# Measured (bench/amplification.py): what a decode holds beside its canvases
# (codec state, the box-reduced copy a preview starts from, the previews'
# encoder): 3–10 MB for 24-megapixel files.
FIXED_BYTES = 16 * 2**20
# Measured peaks, bytes per canvas pixel:
# Pillow's WebP decoder (libwebp's animation decoder, also for stills) keeps
# two RGBA canvases, hands each frame over as bytes and copies them into the
# image: ~16.4 for a still or an animation.
WEBP_BYTES_PER_PIXEL = 17
# An animated GIF: each frame after the first is composed on an RGBA canvas,
# the previous canvas is kept for disposal, and the frame itself decoded: 13.0
# with full-canvas frames.
ANIMATED_GIF_BYTES_PER_PIXEL = 13
# An animated PNG keeps the canvas, the previous one and the frame being
# disposed: three images of its mode (~12.2 for RGBA).
APNG_CANVASES = 3


def pixel_bytes(mode: str) -> int:
    if mode in ONE_BYTE_MODES:
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def preview_copy_bytes(mode: str) -> int:
    return 0 if mode in RESIZED_AS_IS else 4


def decode_bytes(picture) -> int:
    """Peak memory of validating and previewing `picture`, from its header alone.

    `picture` is an opened Pillow image whose frames have been counted.
    """
    width, height = picture.size
    pixels = width * height
    frames = getattr(picture, "n_frames", 1)
    mode = picture.mode
    if picture.format in ("JPEG", "MPO"):
        width, height = jpeg_draft_size(width, height, PREVIEW_WIDTH)
        per_pixel = pixel_bytes(mode) + preview_copy_bytes(mode)
        return FIXED_BYTES + width * height * per_pixel
    if picture.format == "WEBP":
        return FIXED_BYTES + pixels * WEBP_BYTES_PER_PIXEL
    if frames > 1 and picture.format == "GIF":
        return FIXED_BYTES + pixels * ANIMATED_GIF_BYTES_PER_PIXEL
    if frames > 1:
        return FIXED_BYTES + pixels * APNG_CANVASES * pixel_bytes(mode)
    return FIXED_BYTES + pixels * (pixel_bytes(mode) + preview_copy_bytes(mode))


def jpeg_draft_size(width: int, height: int, wanted: int) -> tuple[int, int]:
    """What libjpeg decodes when asked for at least `wanted` pixels a side
    (Pillow's `draft`: the largest of the scales 1/8, 1/4, 1/2 that keeps both)."""
    scale = min(width // wanted, height // wanted)
    divisor = next((d for d in (8, 4, 2) if scale >= d), 1)
    return math.ceil(width / divisor), math.ceil(height / divisor)


def check_decode_bytes(picture) -> None:
    needed = decode_bytes(picture)
    if needed > settings.MAX_DECODE_BYTES:
        raise DecodeTooLarge(settings.MAX_DECODE_BYTES, needed)


class _Slots:
    """A counting semaphore sized by MAX_CONCURRENT_DECODES, which knows when it is idle."""

    def __init__(self):
        self._lock = threading.Lock()
        self._size = None
        self._semaphore = None
        self.running = 0

    def semaphore(self) -> threading.Semaphore:
        with self._lock:
            if self._size != settings.MAX_CONCURRENT_DECODES:
                # The setting changed (tests): slots already taken are
                # released into the old semaphore, which nobody waits on.
                self._size = settings.MAX_CONCURRENT_DECODES
                self._semaphore = threading.Semaphore(self._size)
            return self._semaphore

    def entered(self):
        with self._lock:
            self.running += 1

    def left(self) -> bool:
        """True when no decode runs any more."""
        with self._lock:
            self.running -= 1
            return self.running == 0


_slots = _Slots()


def decodes_running() -> int:
    return _slots.running


@contextmanager
def decode_slot():
    """Hold one of this process's decode slots, or raise ServerBusy."""
    semaphore = _slots.semaphore()
    if not semaphore.acquire(timeout=settings.DECODE_QUEUE_TIMEOUT):
        logger.warning(
            "upload refused: all %d decode slots busy", settings.MAX_CONCURRENT_DECODES,
            extra={"event": "image.busy"},
        )
        raise ServerBusy(retry_after=max(1, math.ceil(settings.DECODE_QUEUE_TIMEOUT)))
    _slots.entered()
    try:
        yield
    finally:
        idle = _slots.left()
        semaphore.release()
        if idle:
            release_memory()


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_trim = _malloc_trim()


def release_memory() -> None:
    """Give the C heap's free pages back to the system."""
    if _trim is not None:
        _trim(0)
