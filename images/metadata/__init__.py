"""Remove personal metadata (location, camera serials, times, names) from uploads.

The pixels are never decoded or re-encoded: each format is walked as a list
of segments, chunks or blocks, and whatever describes the picture (GPS, XMP,
comments, IPTC, thumbnails) is left out while whatever is needed to show it
(compressed data, tables, palettes, colour profiles, animation control) is
copied byte for byte. Only Orientation survives from Exif, rewritten as a
one-tag Exif, because it changes how the picture is displayed.

One module per format (`jpeg`, `png`, `gif`, `webp`), each with a
`strip(source, destination)` that the format's entry in the registry
(images.formats) names; `exif` keeps Orientation for all of them and `binary`
walks bytes. Memory stays bounded whatever the file size: headers are read a
few bytes at a time and payloads are copied in blocks of `binary.BLOCK_SIZE`.
docs/privacy.md says why each part is kept or dropped.
"""

from typing import BinaryIO


def strip_metadata(source: BinaryIO, destination: BinaryIO, content_type: str) -> bool:
    """Copy `source` to `destination` without personal metadata.

    Returns True if anything was removed (destination then holds the cleaned
    file), False if there was nothing to remove (destination content is then
    unspecified; the caller stores the original byte for byte). Raises
    ValueError when the file's structure is not what its format requires.
    Each format's own module (images.formats) names its stripper.
    """
    from images.formats import by_content_type  # the registry imports the strippers

    try:
        image_format = by_content_type(content_type)
    except KeyError:
        raise ValueError(f"no metadata stripper for {content_type!r}") from None
    source.seek(0)
    return image_format.strip_metadata(source, destination)
