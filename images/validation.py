"""Is this upload an image we accept? Decided by content, never by name.

Order matters for hostile files: the cheap header checks (format, pixel count,
frame count, the memory decoding would take) run before any pixel is decoded,
so a decompression bomb is refused without allocating its canvas. Only then is
every frame decoded, so a truncated or corrupt file is refused before it is
stored. Callers decode inside `images.decoding.decode_slot()`.
"""

import hashlib
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from images.decoding import check_decode_bytes
from images.errors import (
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    ImageTooLarge,
    TooManyFrames,
    UnsupportedImage,
)
from images.formats import ImageFormat, by_pillow_format, labels, pillow_formats
from images.metadata.facts import NO_FACTS, PhotoFacts, read_facts

# Decoding an animation costs width × height per frame; bound the sum too.
ANIMATION_PIXEL_FACTOR = 10


# EXIF orientations that turn the picture a quarter: width and height swap.
QUARTER_TURNS = frozenset([5, 6, 7, 8])


@dataclass(frozen=True)
class ImageInfo:
    image_format: ImageFormat
    width: int  # as displayed: after the EXIF orientation
    height: int
    size: int
    sha256: str
    # When and with what it was taken, from the Exif (images.metadata.facts).
    facts: PhotoFacts = NO_FACTS

    @property
    def content_type(self) -> str:
        return self.image_format.content_type


def configure_pillow():
    """Make Pillow's own bomb guard agree with ours (it raises at twice the limit)."""
    PILImage.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS


def inspect_image(file: IO[bytes], *, size: int) -> ImageInfo:
    """Validate an uploaded file and measure it, or raise an ImageError."""
    if size == 0:
        raise EmptyFile()
    if size > settings.MAX_UPLOAD_SIZE:
        raise FileTooLarge(settings.MAX_UPLOAD_SIZE)

    file.seek(0)
    with _opened(file) as image:
        image_format = by_pillow_format(image.format)
        width, height = image.size
        _check_pixels(width * height)
        frames = _frame_count(image)
        _check_pixels_of_animation(width * height, frames)
        check_decode_bytes(image, image_format)
        _verify(image)
    file.seek(0)
    with _opened(file) as image:
        _decode_every_frame(image)
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # the first picture's orientation is the one shown
        if _orientation(image) in QUARTER_TURNS:
            width, height = height, width
        facts = read_facts(image)
    _check_structure(file, image_format)

    file.seek(0)
    digest = hashlib.file_digest(file, "sha256").hexdigest()
    file.seek(0)
    return ImageInfo(
        image_format=image_format,
        width=width,
        height=height,
        size=size,
        sha256=digest,
        facts=facts,
    )


def _opened(file):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            # Exactly the accepted formats' decoders: Pillow never even tries
            # its other (less hardened) plugins on an upload.
            return PILImage.open(file, formats=pillow_formats())
    except UnidentifiedImageError:
        raise UnsupportedImage(labels()) from None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageTooLarge(settings.MAX_IMAGE_PIXELS) from None
    except Exception as exc:
        # The signature matched one of our formats but the header is broken.
        raise CorruptImage() from exc


def _check_structure(file, image_format: ImageFormat):
    if image_format.check_structure is None:
        return
    file.seek(0)
    try:
        image_format.check_structure(file)
    except ValueError as exc:
        raise CorruptImage() from exc


def _orientation(image) -> int:
    """EXIF Orientation as Pillow reports it (AVIF: from the container's irot
    and imir; HEIC: 1, the decoder turns the picture itself); 1 if unreadable."""
    try:
        return image.getexif().get(0x0112, 1)
    except Exception:  # a broken Exif is no orientation: viewers ignore it too
        return 1


def _check_pixels(pixels: int):
    if pixels > settings.MAX_IMAGE_PIXELS:
        raise ImageTooLarge(settings.MAX_IMAGE_PIXELS, pixels)


def _frame_count(image) -> int:
    try:
        frames = getattr(image, "n_frames", 1)
    except Exception as exc:  # counting frames parses them; broken ones raise anything
        raise CorruptImage() from exc
    if frames > settings.MAX_IMAGE_FRAMES:
        raise TooManyFrames(settings.MAX_IMAGE_FRAMES)
    return frames


def _check_pixels_of_animation(pixels_per_frame: int, frames: int):
    total = pixels_per_frame * frames
    if frames > 1 and total > settings.MAX_IMAGE_PIXELS * ANIMATION_PIXEL_FACTOR:
        raise ImageTooLarge(settings.MAX_IMAGE_PIXELS * ANIMATION_PIXEL_FACTOR, total)


def _verify(image):
    """Pillow's structural check: chunk CRCs for PNG, which decoding skips."""
    try:
        image.verify()
    except Exception as exc:  # Pillow raises many types for broken files
        raise CorruptImage() from exc


def _reduce_output(image):
    """Decode at 1/8 scale where the format can (JPEG): libjpeg still reads
    every byte of the scans (so truncation and corruption are caught), but the
    decoded picture takes 1/64 of the memory. A no-op for other formats."""
    image.draft(image.mode, (-(-image.width // 8), -(-image.height // 8)))


def _decode_every_frame(image):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                _reduce_output(image)
                image.load()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning, MemoryError):
        raise ImageTooLarge(settings.MAX_IMAGE_PIXELS) from None
    except Exception as exc:  # truncated data, bad Huffman tables, zlib errors…
        raise CorruptImage() from exc

