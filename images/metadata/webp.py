"""WebP: EXIF (but Orientation), XMP and unknown chunks go; the RIFF size and
the VP8X flags are rewritten to match (docs/privacy.md)."""

import struct
from collections.abc import Iterator
from typing import BinaryIO

from images.metadata.binary import copy, holds, read_exactly
from images.metadata.exif import orientation_exif

WEBP_KEPT_CHUNKS = frozenset([b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF"])
VP8X_EXIF_FLAG = 0x08
VP8X_XMP_FLAG = 0x04


def strip(source: BinaryIO, destination: BinaryIO) -> bool:
    """Two passes: the RIFF size comes first, so the output is measured before it is written."""
    riff_end = _webp_riff_end(source)
    exif = None
    exif_seen = False
    removed = False
    size = 4  # "WEBP"
    for kind, start, length in _webp_chunks(source, riff_end):
        if kind in WEBP_KEPT_CHUNKS:
            size += 8 + length + (length & 1)
        elif kind == b"EXIF" and not exif_seen:
            exif_seen = True
            exif = orientation_exif(source, start, length, prefix=b"")
            removed = removed or not holds(source, start, length, exif)
            if exif is not None:
                size += 8 + len(exif)
        else:
            removed = True
    source.seek(0, 2)
    if not removed and source.tell() == riff_end:
        return False

    destination.write(b"RIFF" + struct.pack("<I", size) + b"WEBP")
    exif_seen = False
    for kind, _start, length in _webp_chunks(source, riff_end):
        if kind == b"VP8X":
            flags, rest = read_exactly(source, 1)[0], read_exactly(source, length - 1)
            flags &= ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG)
            if exif is not None:
                flags |= VP8X_EXIF_FLAG
            destination.write(b"VP8X" + struct.pack("<I", length) + bytes([flags]) + rest)
            copy(source, destination, length & 1)
        elif kind in WEBP_KEPT_CHUNKS:
            destination.write(kind + struct.pack("<I", length))
            copy(source, destination, length + (length & 1))
        elif kind == b"EXIF" and not exif_seen:
            exif_seen = True
            if exif is not None:
                destination.write(b"EXIF" + struct.pack("<I", len(exif)) + exif)
    return True


def _webp_riff_end(source: BinaryIO) -> int:
    riff, size, webp = struct.unpack("<4sI4s", read_exactly(source, 12))
    if riff != b"RIFF" or webp != b"WEBP":
        raise ValueError("a WebP starts with RIFF....WEBP")
    source.seek(0, 2)
    if size % 2 or 8 + size > source.tell():
        raise ValueError(f"RIFF size {size} does not fit the file")
    return 8 + size


def _webp_chunks(source: BinaryIO, riff_end: int) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, payload offset, payload length) of each chunk, `source` at the payload."""
    position = 12
    while position < riff_end:
        source.seek(position)
        if position + 8 > riff_end:
            raise ValueError("a WebP chunk header crosses the end of the RIFF")
        kind, length = struct.unpack("<4sI", read_exactly(source, 8))
        if kind == b"VP8X" and length < 10:
            raise ValueError("a VP8X chunk too short for its flags")
        end = position + 8 + length + (length & 1)
        if end > riff_end:
            raise ValueError(f"WebP chunk {kind!r} crosses the end of the RIFF")
        yield kind, position + 8, length
        position = end
