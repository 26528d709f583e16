"""PNG: text, time and unknown ancillary chunks go; chunks needed to decode,
colour-manage or animate the picture stay (docs/privacy.md)."""

import struct
import zlib
from typing import BinaryIO

from images.metadata.binary import copy, has_more, holds, read_exactly
from images.metadata.exif import orientation_exif

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_MAX_CHUNK = 2**31 - 1
# Needed to decode, colour-manage or animate the picture; nothing in them is personal.
PNG_KEPT_CHUNKS = frozenset(
    [
        b"IHDR", b"PLTE", b"IDAT", b"IEND",
        b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCV", b"cLLI",
        b"sBIT", b"pHYs", b"bKGD", b"hIST",
        b"acTL", b"fcTL", b"fdAT",
    ]
)  # fmt: skip


def strip(source: BinaryIO, destination: BinaryIO) -> bool:
    if read_exactly(source, 8) != PNG_SIGNATURE:
        raise ValueError("a PNG starts with its signature")
    destination.write(PNG_SIGNATURE)
    removed = False
    exif_seen = False
    while True:
        header = read_exactly(source, 8)
        length, kind = struct.unpack(">I4s", header)
        if length > PNG_MAX_CHUNK or not kind.isalpha():
            raise ValueError(f"PNG chunk {kind!r} with length {length}")
        start = source.tell()
        if kind in PNG_KEPT_CHUNKS:
            destination.write(header)
            copy(source, destination, length + 4)
        elif kind[0:1].isupper():
            # A decoder must refuse a critical chunk it does not know; so do we.
            raise ValueError(f"unknown critical PNG chunk {kind!r}")
        elif kind == b"eXIf" and not exif_seen:
            exif_seen = True
            exif = orientation_exif(source, start, length, prefix=b"")
            if exif is not None:
                destination.write(_png_chunk(b"eXIf", exif))
            removed = removed or not holds(source, start, length, exif)
            source.seek(start + length + 4)
        else:
            removed = True
            source.seek(start + length + 4)
        if kind == b"IEND":
            return removed or has_more(source)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)
