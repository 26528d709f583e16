"""Photo facts: when a photo was taken and with which camera, read from its
Exif before the metadata is stripped (images.services, KEEP_PHOTO_FACTS).

Only three tags are read — DateTimeOriginal (or DateTimeDigitized), its
OffsetTimeOriginal, and Make/Model — and nothing else (never GPS, serial
numbers or names: docs/privacy.md). Exif is whatever the uploader's file
says, so every value is treated as hostile: text is reduced to printable
characters (PostgreSQL refuses NUL), cut to a bounded length, and a date that
is not a real date is no date. A broken Exif gives no facts, never an error.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from images.naming import printable

MAKE, MODEL = 0x010F, 0x0110
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9011, 0x9012

CAMERA_MAX_LENGTH = 100
PART_MAX_LENGTH = 64
# Exif writes "2023:02:21 14:33:08"; some software writes dashes or a T.
EXIF_DATE = re.compile(
    r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})", re.ASCII
)
EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})", re.ASCII)
# The oldest surviving photograph is from 1826; anything earlier is a broken clock.
FIRST_PHOTO_YEAR = 1826
MAX_OFFSET_MINUTES = 14 * 60


@dataclass(frozen=True)
class PhotoFacts:
    """`taken_at`: the camera's clock when the photo was taken (naive: a wall
    clock, not an instant); `taken_at_offset`: that clock's UTC offset in
    minutes when the camera recorded it; `camera`: make and model."""

    taken_at: datetime | None = None
    taken_at_offset: int | None = None
    camera: str | None = None

    def as_fields(self) -> dict:
        """The Image row's columns (the wall clock stored as if it were UTC)."""
        return {
            "taken_at": self.taken_at.replace(tzinfo=UTC) if self.taken_at else None,
            "taken_at_offset": self.taken_at_offset if self.taken_at else None,
            "camera": self.camera,
        }


NO_FACTS = PhotoFacts()


def read_facts(picture) -> PhotoFacts:
    """The facts in an opened Pillow image's Exif; NO_FACTS when it has none or
    they cannot be read."""
    try:
        exif = picture.getexif()
        details = exif.get_ifd(EXIF_IFD)
        taken_at, offset = _taken_at(details)
        return PhotoFacts(taken_at, offset, _camera(exif.get(MAKE), exif.get(MODEL)))
    except Exception:  # a broken Exif is no facts, as it is no orientation
        return NO_FACTS


def _taken_at(details) -> tuple[datetime | None, int | None]:
    for date_tag, offset_tag in (
        (DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL),
        (DATE_TIME_DIGITIZED, OFFSET_TIME_DIGITIZED),
    ):
        if (taken_at := parse_exif_date(_text(details.get(date_tag)))) is not None:
            return taken_at, parse_exif_offset(_text(details.get(offset_tag)))
    return None, None


def parse_exif_date(text: str | None) -> datetime | None:
    """"2023:02:21 14:33:08" → a naive datetime; None for anything else
    (blanks, zeros, a 31 February, a year before photography)."""
    if not text or not (match := EXIF_DATE.fullmatch(text.strip()[:32])):
        return None
    try:
        taken_at = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return taken_at if taken_at.year >= FIRST_PHOTO_YEAR else None


def parse_exif_offset(text: str | None) -> int | None:
    """"+03:00" → 180 (minutes east of UTC); None for anything else."""
    if not text or not (match := EXIF_OFFSET.fullmatch(text.strip()[:16])):
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > MAX_OFFSET_MINUTES:
        return None
    return -total if sign == "-" else total


def _text(value) -> str | None:
    """An Exif ASCII value as text. Pillow decodes ASCII as Latin-1; phones
    write UTF-8, which is decoded again here when it is valid UTF-8."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    value = value[: PART_MAX_LENGTH * 4]
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _clean(value) -> str:
    text = printable(_text(value) or "")
    return " ".join(text.split())[:PART_MAX_LENGTH].strip()


def _camera(make, model) -> str | None:
    """"Canon" + "Canon EOS R6" → "Canon EOS R6"; "Apple" + "iPhone 13 Pro" →
    "Apple iPhone 13 Pro"; None when neither says anything."""
    make, model = _clean(make), _clean(model)
    if make and model and model.casefold().startswith(make.split()[0].casefold()):
        make = ""
    return " ".join(part for part in (make, model) if part)[:CAMERA_MAX_LENGTH] or None
