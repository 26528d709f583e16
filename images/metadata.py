"""Remove personal metadata (location, camera serials, times, names) from uploads.

The pixels are never decoded or re-encoded: each format is walked as a list
of segments, chunks or blocks, and whatever describes the picture (GPS, XMP,
comments, IPTC, thumbnails) is left out while whatever is needed to show it
(compressed data, tables, palettes, colour profiles, animation control) is
copied byte for byte. Only Orientation survives from Exif, rewritten as a
one-tag Exif, because it changes how the picture is displayed.

Memory stays bounded whatever the file size: headers are read a few bytes at
a time and payloads are copied in blocks of `BLOCK_SIZE`. docs/privacy.md says
why each part is kept or dropped.
"""

import re
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

BLOCK_SIZE = 64 * 1024
IFD_ENTRIES_PER_READ = BLOCK_SIZE // 12

EXIF_ORIENTATION_TAG = 0x0112
TIFF_SHORT = 3


def strip_metadata(source: BinaryIO, destination: BinaryIO, content_type: str) -> bool:
    """Copy `source` to `destination` without personal metadata.

    Returns True if anything was removed (destination then holds the cleaned
    file), False if there was nothing to remove (destination content is then
    unspecified; the caller stores the original byte for byte). Raises
    ValueError when the file's structure is not what its format requires.
    """
    try:
        strip = _STRIPPERS[content_type]
    except KeyError:
        raise ValueError(f"no metadata stripper for {content_type!r}") from None
    source.seek(0)
    return strip(source, destination)


# --- Exif: keep Orientation only ---------------------------------------------


def _exif_orientation(source: BinaryIO, start: int, length: int) -> int:
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
    (count,) = struct.unpack(order + "H", _read_exactly(source, 2))
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


def _orientation_only_tiff(orientation: int) -> bytes:
    """A TIFF header and an IFD0 holding one entry: Orientation."""
    return (
        b"MM\0\x2a"
        + struct.pack(">I", 8)
        + struct.pack(">H", 1)
        + struct.pack(">HHIHH", EXIF_ORIENTATION_TAG, TIFF_SHORT, 1, orientation, 0)
        + struct.pack(">I", 0)
    )


def _orientation_exif(source: BinaryIO, start: int, length: int, prefix: bytes) -> bytes | None:
    """The one-tag Exif to write instead of the Exif at `start`, or None to write nothing."""
    orientation = _exif_orientation(source, start, length)
    if orientation == 1:
        return None
    return prefix + _orientation_only_tiff(orientation)


def _holds(source: BinaryIO, start: int, length: int, data: bytes | None) -> bool:
    """Whether the `length` bytes at `start` are `data`: then replacing them removes nothing."""
    if data is None or length != len(data):
        return False
    source.seek(start)
    return source.read(length) == data


# --- Byte helpers -------------------------------------------------------------


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise ValueError("the file ends in the middle of a structure")
    return data


def _copy(source: BinaryIO, destination: BinaryIO, size: int) -> None:
    while size:
        block = source.read(min(size, BLOCK_SIZE))
        if not block:
            raise ValueError("the file ends in the middle of a structure")
        destination.write(block)
        size -= len(block)


def _has_more(source: BinaryIO) -> bool:
    return bool(source.read(1))


# --- JPEG -----------------------------------------------------------------------

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP14 = 0xE0, 0xE1, 0xE2, 0xEE
COM = 0xFE
# Markers without a length: TEM and the restart markers.
STANDALONE_MARKERS = frozenset([0x01, *range(0xD0, 0xD8)])
# Inside entropy-coded data 0xFF is followed by 0x00 (stuffing), a restart
# marker, or more 0xFF (fill); anything else is the next marker.
MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
JFIF_HEADER_SIZE = 14  # "JFIF\0", version, units, densities, thumbnail width and height


def _strip_jpeg(source: BinaryIO, destination: BinaryIO) -> bool:
    if _read_exactly(source, 2) != b"\xff\xd8":
        raise ValueError("a JPEG starts with SOI")
    destination.write(b"\xff\xd8")
    removed = False
    exif_seen = False
    while True:
        fill, marker = _jpeg_marker(source)
        if marker == EOI:
            destination.write(b"\xff" * fill + bytes([0xFF, EOI]))
            # Extra pictures of an MPO, appended files: none of it is the picture.
            return removed or _has_more(source)
        if marker in STANDALONE_MARKERS:
            destination.write(b"\xff" * fill + bytes([0xFF, marker]))
            continue
        if marker == SOI:
            raise ValueError("a second SOI before EOI")
        (length,) = struct.unpack(">H", _read_exactly(source, 2))
        if length < 2:
            raise ValueError(f"JPEG segment {marker:#x} with length {length}")
        start = source.tell()
        payload_size = length - 2
        header = bytes([0xFF, marker]) + struct.pack(">H", length)
        is_exif = marker == APP1 and _startswith(source, start, payload_size, b"Exif\0\0")
        if is_exif and not exif_seen:
            # Viewers read the first Exif only, so only its Orientation counts.
            exif_seen = True
            exif = _orientation_exif(source, start, payload_size, prefix=b"Exif\0\0")
            if exif is not None:
                destination.write(b"\xff\xe1" + struct.pack(">H", 2 + len(exif)) + exif)
            removed = removed or not _holds(source, start, payload_size, exif)
            source.seek(start + payload_size)
        elif marker == APP0 and _startswith(source, start, payload_size, b"JFIF\0"):
            removed = _copy_jfif(source, destination, start, payload_size) or removed
        elif _is_kept_jpeg_segment(source, marker, start, payload_size):
            destination.write(header)
            source.seek(start)
            _copy(source, destination, payload_size)
        else:
            removed = True
            source.seek(start + payload_size)
        if marker == SOS:
            _copy_entropy_coded_data(source, destination)


def _jpeg_marker(source: BinaryIO) -> tuple[int, int]:
    """(number of 0xFF fill bytes, marker code) of the next marker."""
    if _read_exactly(source, 1) != b"\xff":
        raise ValueError("bytes between JPEG segments")
    fill = 0
    while (code := _read_exactly(source, 1)[0]) == 0xFF:
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
    jfif = _read_exactly(source, JFIF_HEADER_SIZE)
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
        block = source.read(BLOCK_SIZE)
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


# --- PNG ------------------------------------------------------------------------

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


def _strip_png(source: BinaryIO, destination: BinaryIO) -> bool:
    if _read_exactly(source, 8) != PNG_SIGNATURE:
        raise ValueError("a PNG starts with its signature")
    destination.write(PNG_SIGNATURE)
    removed = False
    exif_seen = False
    while True:
        header = _read_exactly(source, 8)
        length, kind = struct.unpack(">I4s", header)
        if length > PNG_MAX_CHUNK or not kind.isalpha():
            raise ValueError(f"PNG chunk {kind!r} with length {length}")
        start = source.tell()
        if kind in PNG_KEPT_CHUNKS:
            destination.write(header)
            _copy(source, destination, length + 4)
        elif kind[0:1].isupper():
            # A decoder must refuse a critical chunk it does not know; so do we.
            raise ValueError(f"unknown critical PNG chunk {kind!r}")
        elif kind == b"eXIf" and not exif_seen:
            exif_seen = True
            exif = _orientation_exif(source, start, length, prefix=b"")
            if exif is not None:
                destination.write(_png_chunk(b"eXIf", exif))
            removed = removed or not _holds(source, start, length, exif)
            source.seek(start + length + 4)
        else:
            removed = True
            source.seek(start + length + 4)
        if kind == b"IEND":
            return removed or _has_more(source)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


# --- WebP -----------------------------------------------------------------------

WEBP_KEPT_CHUNKS = frozenset([b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF"])
VP8X_EXIF_FLAG = 0x08
VP8X_XMP_FLAG = 0x04


def _strip_webp(source: BinaryIO, destination: BinaryIO) -> bool:
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
            exif = _orientation_exif(source, start, length, prefix=b"")
            removed = removed or not _holds(source, start, length, exif)
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
            flags, rest = _read_exactly(source, 1)[0], _read_exactly(source, length - 1)
            flags &= ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG)
            if exif is not None:
                flags |= VP8X_EXIF_FLAG
            destination.write(b"VP8X" + struct.pack("<I", length) + bytes([flags]) + rest)
            _copy(source, destination, length & 1)
        elif kind in WEBP_KEPT_CHUNKS:
            destination.write(kind + struct.pack("<I", length))
            _copy(source, destination, length + (length & 1))
        elif kind == b"EXIF" and not exif_seen:
            exif_seen = True
            if exif is not None:
                destination.write(b"EXIF" + struct.pack("<I", len(exif)) + exif)
    return True


def _webp_riff_end(source: BinaryIO) -> int:
    riff, size, webp = struct.unpack("<4sI4s", _read_exactly(source, 12))
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
        kind, length = struct.unpack("<4sI", _read_exactly(source, 8))
        if kind == b"VP8X" and length < 10:
            raise ValueError("a VP8X chunk too short for its flags")
        end = position + 8 + length + (length & 1)
        if end > riff_end:
            raise ValueError(f"WebP chunk {kind!r} crosses the end of the RIFF")
        yield kind, position + 8, length
        position = end


# --- GIF ------------------------------------------------------------------------

GIF_EXTENSION, GIF_IMAGE, GIF_TRAILER = 0x21, 0x2C, 0x3B
GIF_GRAPHIC_CONTROL, GIF_PLAIN_TEXT, GIF_APPLICATION = 0xF9, 0x01, 0xFF
# Looping (Netscape, AnimExts) and the ICC profile; other applications store metadata.
GIF_KEPT_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def _strip_gif(source: BinaryIO, destination: BinaryIO) -> bool:
    header = _read_exactly(source, 13)
    if header[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("a GIF starts with GIF87a or GIF89a")
    destination.write(header)
    _copy(source, destination, _gif_colour_table_size(header[10]))
    removed = False
    while True:
        start = source.tell()
        introducer = _read_exactly(source, 1)[0]
        if introducer == GIF_TRAILER:
            destination.write(b"\x3b")
            return removed or _has_more(source)
        if introducer == GIF_IMAGE:
            descriptor = _read_exactly(source, 9)
            source.seek(_gif_colour_table_size(descriptor[8]) + 1, 1)  # + LZW code size
            keep = True
        elif introducer == GIF_EXTENSION:
            keep = _is_kept_gif_extension(source)
        else:
            raise ValueError(f"unknown GIF block {introducer:#x}")
        end = _gif_sub_blocks_end(source)
        if keep:
            source.seek(start)
            _copy(source, destination, end - start)
        else:
            removed = True
        source.seek(end)


def _gif_colour_table_size(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _is_kept_gif_extension(source: BinaryIO) -> bool:
    """Leaves `source` at the extension's first sub-block."""
    label = _read_exactly(source, 1)[0]
    if label in (GIF_GRAPHIC_CONTROL, GIF_PLAIN_TEXT):
        return True
    if label != GIF_APPLICATION:
        return False  # comments, and labels no decoder knows
    position = source.tell()
    size = _read_exactly(source, 1)[0]
    identifier = source.read(size)
    source.seek(position)
    return identifier in GIF_KEPT_APPLICATIONS


def _gif_sub_blocks_end(source: BinaryIO) -> int:
    """Offset just past the sub-blocks starting at the current position."""
    while size := _read_exactly(source, 1)[0]:
        source.seek(size, 1)
    return source.tell()


_STRIPPERS: dict[str, Callable[[BinaryIO, BinaryIO], bool]] = {
    "image/jpeg": _strip_jpeg,
    "image/png": _strip_png,
    "image/gif": _strip_gif,
    "image/webp": _strip_webp,
}
