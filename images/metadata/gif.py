"""GIF: comments and metadata application extensions go; the picture, frame
control, looping and the ICC profile stay (docs/privacy.md)."""

from typing import BinaryIO

from images.metadata.binary import copy, has_more, read_exactly

GIF_EXTENSION, GIF_IMAGE, GIF_TRAILER = 0x21, 0x2C, 0x3B
GIF_GRAPHIC_CONTROL, GIF_PLAIN_TEXT, GIF_APPLICATION = 0xF9, 0x01, 0xFF
# Looping (Netscape, AnimExts) and the ICC profile; other applications store metadata.
GIF_KEPT_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def strip(source: BinaryIO, destination: BinaryIO) -> bool:
    header = read_exactly(source, 13)
    if header[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("a GIF starts with GIF87a or GIF89a")
    destination.write(header)
    copy(source, destination, _gif_colour_table_size(header[10]))
    removed = False
    while True:
        start = source.tell()
        introducer = read_exactly(source, 1)[0]
        if introducer == GIF_TRAILER:
            destination.write(b"\x3b")
            return removed or has_more(source)
        if introducer == GIF_IMAGE:
            descriptor = read_exactly(source, 9)
            source.seek(_gif_colour_table_size(descriptor[8]) + 1, 1)  # + LZW code size
            keep = True
        elif introducer == GIF_EXTENSION:
            keep = _is_kept_gif_extension(source)
        else:
            raise ValueError(f"unknown GIF block {introducer:#x}")
        end = _gif_sub_blocks_end(source)
        if keep:
            source.seek(start)
            copy(source, destination, end - start)
        else:
            removed = True
        source.seek(end)


def _gif_colour_table_size(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _is_kept_gif_extension(source: BinaryIO) -> bool:
    """Leaves `source` at the extension's first sub-block."""
    label = read_exactly(source, 1)[0]
    if label in (GIF_GRAPHIC_CONTROL, GIF_PLAIN_TEXT):
        return True
    if label != GIF_APPLICATION:
        return False  # comments, and labels no decoder knows
    position = source.tell()
    size = read_exactly(source, 1)[0]
    identifier = source.read(size)
    source.seek(position)
    return identifier in GIF_KEPT_APPLICATIONS


def _gif_sub_blocks_end(source: BinaryIO) -> int:
    """Offset just past the sub-blocks starting at the current position."""
    while size := read_exactly(source, 1)[0]:
        source.seek(size, 1)
    return source.tell()
