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
  before a pixel is decoded. Each format's module (images.formats) knows
  what its decoder keeps; the factors were measured (`bench/amplification.py`
  prints estimate against measured peak).
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

# Pillow keeps one byte per pixel for these modes, two for the 16-bit ones
# and four for all others (RGB is stored as RGBX; libImaging/Storage.c).
ONE_BYTE_MODES = frozenset(["1", "L", "P"])
# Previews are resized in these modes as they are; any other mode is first
# converted (P, 1, I;16, CMYK…) or premultiplied (RGBA, LA) at full size.
RESIZED_AS_IS = frozenset(["L", "RGB"])
# What a decode holds beside its canvases (codec state, the box-reduced copy
# a preview starts from, the previews' encoder): 3–10 MB measured for
# 24-megapixel files (bench/amplification.py).
FIXED_BYTES = 16 * 2**20


def pixel_bytes(mode: str) -> int:
    if mode in ONE_BYTE_MODES:
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def per_pixel_bytes(mode: str) -> int:
    """A decoded canvas of `mode`, and the full-size copy a preview may need."""
    return pixel_bytes(mode) + (0 if mode in RESIZED_AS_IS else 4)


def still_bytes(picture) -> int:
    """One canvas and its preview copy: a still image's whole cost."""
    return picture.width * picture.height * per_pixel_bytes(picture.mode)


def decode_bytes(picture, image_format) -> int:
    """Peak memory of validating and previewing `picture` (header opened, frames
    counted) in `image_format`, from its header alone."""
    return FIXED_BYTES + image_format.decode_bytes(picture)


def check_decode_bytes(picture, image_format) -> None:
    needed = decode_bytes(picture, image_format)
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
