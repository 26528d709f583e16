"""JPEG: segments that describe the picture go, those needed to show it stay.

The entropy-coded data is copied, never decoded; docs/privacy.md lists
every segment and why it is kept or dropped."""

import re
import struct
from typing import BinaryIO

from images.metadata import binary
from images.metadata.binary import copy, has_more, holds, read_exactly
from images.metadata.exif import orientation_exif

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP14 = 0xE0, 0xE1, 0xE2, 0xEE
COM = 0xFE
# Markers without a length: TEM and the restart markers.
STANDALONE_MARKERS = frozenset([0x01, *range(0xD0, 0xD8)])
# Inside entropy-coded data 0xFF is followed by 0x00 (stuffing), a restart
# marker, or more 0xFF (fill); anything else is the next marker.
MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
JFIF_HEADER_SIZE = 14  # "JFIF\0", version, units, densities, thumbnail width and height


def strip(source: BinaryIO, destination: BinaryIO) -> bool:
    if read_exactly(source, 2) != b"\xff\xd8":
        raise ValueError("a JPEG starts with SOI")
    destination.write(b"\xff\xd8")
    removed = False
    exif_seen = False
    while True:
        fill, marker = _jpeg_marker(source)
        if marker == EOI:
            destination.write(b"\xff" * fill + bytes([0xFF, EOI]))
            # Extra pictures of an MPO, appended files: none of it is the picture.
            return removed or has_more(source)
        if marker in STANDALONE_MARKERS:
            destination.write(b"\xff" * fill + bytes([0xFF, marker]))
            continue
        if marker == SOI:
            raise ValueError("a second SOI before EOI")
        (length,) = struct.unpack(">H", read_exactly(source, 2))
        if length < 2:
            raise ValueError(f"JPEG segment {marker:#x} with length {length}")
        start = source.tell()
        payload_size = length - 2
        header = bytes([0xFF, marker]) + struct.pack(">H", length)
        is_exif = marker == APP1 and _startswith(source, start, payload_size, b"Exif\0\0")
        if is_exif and not exif_seen:
            # Viewers read the first Exif only, so only its Orientation counts.
            exif_seen = True
            exif = orientation_exif(source, start, payload_size, prefix=b"Exif\0\0")
            if exif is not None:
                destination.write(b"\xff\xe1" + struct.pack(">H", 2 + len(exif)) + exif)
            removed = removed or not holds(source, start, payload_size, exif)
            source.seek(start + payload_size)
        elif marker == APP0 and _startswith(source, start, payload_size, b"JFIF\0"):
            removed = _copy_jfif(source, destination, start, payload_size) or removed
        elif _is_kept_jpeg_segment(source, marker, start, payload_size):
            destination.write(header)
            source.seek(start)
            copy(source, destination, payload_size)
        else:
            removed = True
            source.seek(start + payload_size)
        if marker == SOS:
            _copy_entropy_coded_data(source, destination)


def _jpeg_marker(source: BinaryIO) -> tuple[int, int]:
    """(number of 0xFF fill bytes, marker code) of the next marker."""
    if read_exactly(source, 1) != b"\xff":
        raise ValueError("bytes between JPEG segments")
    fill = 0
    while (code := read_exactly(source, 1)[0]) == 0xFF:
        fill += 1
    if code == 0x00:
        raise ValueError("a stuffed 0xFF outside entropy-coded data")
    return fill, code


def _startswith(source: BinaryIO, start: int, size: int, prefix: bytes) -> bool:
    """Whether the `size` bytes at `start` begin with `prefix`."""
    source.seek(start)
    return size >= len(prefix) and source.read(len(prefix)) == prefix


def _is_kept_jpeg_segment(source: BinaryIO, marker: int, start: int, size: int) -> bool:
    if marker == APP2:
        return _startswith(source, start, size, b"ICC_PROFILE\0")
    if marker == APP14:
        return _startswith(source, start, size, b"Adobe")
    # Every other APPn and COM describes the picture; all else is needed to decode it.
    return not (0xE0 <= marker <= 0xEF or marker == COM)


def _copy_jfif(source: BinaryIO, destination: BinaryIO, start: int, size: int) -> bool:
    """Copy a JFIF APP0 without its thumbnail; True if it had one."""
    if size < JFIF_HEADER_SIZE:
        raise ValueError("a JFIF segment too short for its header")
    source.seek(start)
    jfif = read_exactly(source, JFIF_HEADER_SIZE)
    destination.write(b"\xff\xe0" + struct.pack(">H", 2 + JFIF_HEADER_SIZE))
    if size == JFIF_HEADER_SIZE:
        destination.write(jfif)
        return False
    destination.write(jfif[:-2] + b"\0\0")
    source.seek(start + size)
    return True


def _copy_entropy_coded_data(source: BinaryIO, destination: BinaryIO) -> None:
    """Copy a scan's data, leaving `source` at the marker that ends it."""
    while True:
        position = source.tell()
        block = source.read(binary.BLOCK_SIZE)
        if len(block) < 2:
            raise ValueError("the file ends inside entropy-coded data")
        if match := MARKER_AFTER_SCAN.search(block):
            destination.write(block[: match.start()])
            source.seek(position + match.start())
            return
        # A trailing 0xFF may start a marker: read it again with what follows.
        keep = len(block) - 1 if block.endswith(b"\xff") else len(block)
        destination.write(block[:keep])
        source.seek(position + keep)
