"""Exif: keep Orientation only, the one tag that changes how a picture looks.

Read by seeking, so an Exif of any size costs a few small reads; written as
a minimal TIFF (header, IFD0 with the single Orientation entry, 26 bytes).
"""

import struct
from typing import BinaryIO

from images.metadata.binary import BLOCK_SIZE, read_exactly

IFD_ENTRIES_PER_READ = BLOCK_SIZE // 12
EXIF_ORIENTATION_TAG = 0x0112
TIFF_SHORT = 3


def exif_orientation(source: BinaryIO, start: int, length: int) -> int:
    """IFD0's Orientation in the Exif at `start`, or 1 where a viewer would find none.

    Reads by seeking, so an Exif of any size costs a few small reads.
    """
    source.seek(start)
    head = source.read(min(length, 14))
    if head.startswith(b"Exif\0\0"):
        start, length, head = start + 6, length - 6, head[6:]
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 8 or struct.unpack(order + "H", head[2:4])[0] != 42:
        return 1
    (ifd,) = struct.unpack(order + "I", head[4:8])
    if ifd + 2 > length:
        return 1
    source.seek(start + ifd)
    (count,) = struct.unpack(order + "H", read_exactly(source, 2))
    count = min(count, (length - ifd - 2) // 12)
    while count > 0:
        batch = min(count, IFD_ENTRIES_PER_READ)
        entries = source.read(12 * batch)
        if len(entries) < 12 * batch:
            return 1
        for tag, kind, values, value in struct.iter_unpack(order + "HHI4s", entries):
            if tag == EXIF_ORIENTATION_TAG:
                if kind != TIFF_SHORT or values != 1:
                    return 1
                (orientation,) = struct.unpack(order + "H", value[:2])
                return orientation if 1 <= orientation <= 8 else 1
        count -= batch
    return 1


def orientation_only_tiff(orientation: int) -> bytes:
    """A TIFF header and an IFD0 holding one entry: Orientation."""
    return (
        b"MM\0\x2a"
        + struct.pack(">I", 8)
        + struct.pack(">H", 1)
        + struct.pack(">HHIHH", EXIF_ORIENTATION_TAG, TIFF_SHORT, 1, orientation, 0)
        + struct.pack(">I", 0)
    )


def orientation_exif(source: BinaryIO, start: int, length: int, prefix: bytes) -> bytes | None:
    """The one-tag Exif to write instead of the Exif at `start`, or None to write nothing."""
    orientation = exif_orientation(source, start, length)
    if orientation == 1:
        return None
    return prefix + orientation_only_tiff(orientation)
