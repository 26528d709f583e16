"""HEIF containers (HEIC and AVIF): metadata neutralised in place, nothing moved.

A HEIF file is a tree of ISO BMFF boxes. The pictures are items (coded images,
grids, thumbnails, depth and gain maps) whose bytes `iloc` locates by absolute
offset, usually in `mdat`; metadata are items too (`Exif`, `mime` for XMP,
`uri `), and boxes such as `udta`, `uuid`, `xml `. Removing any of it would
shift every offset behind it, so nothing is removed: each part that describes
rather than shows the picture is overwritten where it stands —

- a metadata item's bytes are zeroed and its type in `iinf` becomes `free`,
  a type no reader knows, so readers skip it instead of parsing zeros;
- a descriptive box (`udta`, `uuid`, `xml `, unknown boxes beside the
  structure) becomes a `free` box full of zeros, as do existing `free`/`skip`
  boxes, which may hold what an editor left behind;
- descriptive item properties (`udes`: a user's title, description and tags,
  and unknown properties no decoder needs) become zeroed `free` properties;
- in `mdat` and `idat`, every byte no remaining item points to is zeroed
  (stale copies of metadata; skipped for image sequences, whose `moov` sample
  tables point into `mdat` in ways this does not read).

The coded pictures, their properties (colour profile, rotation `irot` and
mirroring `imir`, which is where HEIF keeps orientation) and every offset stay
exactly as they were, so decoded pixels are identical. A layout this does not
walk (items built from other items' extents, an `iloc` that is not version
0–2, old `infe` versions) raises `NotWalkable`; the format's module then
re-encodes instead (docs/privacy.md). A structure that contradicts itself
raises ValueError, as for the other formats.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from PIL import Image, ImageSequence

from images.metadata.binary import copy, read_exactly
from images.metadata.exif import EXIF_ORIENTATION_TAG

# Items that describe the picture rather than show it.
METADATA_ITEM_TYPES = frozenset([b"Exif", b"mime", b"uri "])
NEUTRAL = b"free"
# The structure of `meta`; any other child is descriptive.
META_STRUCTURE = frozenset(
    [b"hdlr", b"pitm", b"iloc", b"iinf", b"iref", b"iprp", b"idat", b"dinf", b"grpl"]
)
# Item properties a reader needs to show the picture as it is meant to look.
KEPT_PROPERTIES = frozenset(
    [
        b"ispe", b"pixi", b"colr", b"irot", b"imir", b"clap", b"pasp", b"rloc", b"lsel",
        b"hvcC", b"av1C", b"vvcC", b"jpgC", b"auxC", b"a1op", b"a1lx", b"clli", b"mdcv",
        b"cclv", b"amve", b"reve", b"ndwt", b"altt", b"iscl", b"tmap",
    ]
)  # fmt: skip
TOP_LEVEL_KEPT = frozenset([b"ftyp", b"meta", b"mdat", b"moov"])
EMPTY = frozenset([b"free", b"skip"])


class NotWalkable(ValueError):
    """A valid file whose layout this stripper does not rewrite in place."""


@dataclass
class _Plan:
    """What to overwrite: bytes at offsets, and ranges to zero."""

    writes: list[tuple[int, bytes]] = field(default_factory=list)
    zeros: list[tuple[int, int]] = field(default_factory=list)

    def neutralise_box(self, start: int, payload: int, end: int):
        self.writes.append((start + 4, NEUTRAL))
        self.zeros.append((payload, end))


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int
    payload: int
    end: int


def strip(source: BinaryIO, destination: BinaryIO) -> bool:
    source.seek(0, 2)
    size = source.tell()
    plan = _Plan()
    meta, mdats, sequence = None, [], False
    for box in _boxes(source, 0, size):
        if box.kind == b"meta":
            if meta is not None:
                raise ValueError("a HEIF file has one top-level meta box")
            meta = box
        elif box.kind == b"mdat":
            mdats.append(box)
        elif box.kind == b"moov":
            sequence = True
            _neutralise_descriptions(source, box, plan)
        elif box.kind in EMPTY:
            plan.zeros.append((box.payload, box.end))
        elif box.kind not in TOP_LEVEL_KEPT:
            plan.neutralise_box(box.start, box.payload, box.end)
    if meta is None:
        raise ValueError("a HEIF file has a meta box")
    kept_extents, idat = _strip_meta(source, meta, plan)
    if not sequence:
        for mdat in mdats:
            plan.zeros += _gaps(mdat.payload, mdat.end, kept_extents["file"])
    if idat is not None:
        plan.zeros += _gaps(idat.payload, idat.end, [
            (idat.payload + start, idat.payload + end) for start, end in kept_extents["idat"]
        ])
    if not _changes(source, plan):
        return False
    source.seek(0)
    copy(source, destination, size)
    for start, end in plan.zeros:
        destination.seek(start)
        _write_zeros(destination, end - start)
    for offset, data in plan.writes:
        destination.seek(offset)
        destination.write(data)
    destination.seek(size)
    return True


def check(source: BinaryIO) -> None:
    """Every box fits the file and every item's bytes lie inside it, or
    ValueError. libheif decodes a grid whose tiles are cut off without a word;
    validation asks this too, so a truncated file is refused even when
    metadata is kept (STRIP_METADATA off)."""
    source.seek(0, 2)
    size = source.tell()
    metas = [box for box in _boxes(source, 0, size) if box.kind == b"meta"]
    if len(metas) != 1:
        raise ValueError("a HEIF file has one top-level meta box")
    boxes = {child.kind: child for child in _children(source, metas[0], full_box=True)}
    if b"iloc" not in boxes:
        raise ValueError("meta has no iloc")
    idat = boxes.get(b"idat")
    try:
        extents = _item_extents(source, boxes[b"iloc"])
    except NotWalkable:
        return  # built by reference: libheif resolves those itself
    for method, item_extents in extents.values():
        limit = size if method == 0 else (idat.end - idat.payload if idat else 0)
        if any(end > limit for _, end in item_extents):
            raise ValueError("an item's bytes lie beyond the end of the file")


def _boxes(source: BinaryIO, start: int, end: int) -> Iterator[_Box]:
    position = start
    while position < end:
        source.seek(position)
        if position + 8 > end:
            raise ValueError("a box header crosses the end of its parent")
        size, kind = struct.unpack(">I4s", read_exactly(source, 8))
        payload = position + 8
        if size == 1:
            (size,) = struct.unpack(">Q", read_exactly(source, 8))
            payload += 8
        elif size == 0:
            size = end - position
        if kind == b"uuid":
            payload += 16
        if size < payload - position or position + size > end:
            raise ValueError(f"box {kind!r} of size {size} does not fit its parent")
        yield _Box(kind, position, payload, position + size)
        position += size


def _children(source: BinaryIO, box: _Box, full_box: bool = False) -> Iterator[_Box]:
    """The boxes inside `box`; a FullBox has four bytes of version and flags first."""
    yield from _boxes(source, box.payload + (4 if full_box else 0), box.end)


def _version_and_flags(source: BinaryIO, box: _Box) -> tuple[int, int]:
    source.seek(box.payload)
    version, flags = struct.unpack(">B3s", read_exactly(source, 4))
    return version, int.from_bytes(flags)


def _neutralise_descriptions(source: BinaryIO, box: _Box, plan: _Plan):
    """In a sequence's `moov`: every `udta` and `meta`, at any depth, goes."""
    for child in _boxes(source, box.payload, box.end):
        if child.kind in (b"udta", b"meta", b"uuid"):
            plan.neutralise_box(child.start, child.payload, child.end)
        elif child.kind in (b"trak", b"mdia", b"minf", b"edts"):
            _neutralise_descriptions(source, child, plan)


def _strip_meta(source: BinaryIO, meta: _Box, plan: _Plan):
    boxes = {}
    for child in _children(source, meta, full_box=True):
        if child.kind in META_STRUCTURE:
            if child.kind in boxes:
                raise ValueError(f"meta has two {child.kind!r} boxes")
            boxes[child.kind] = child
        elif child.kind in EMPTY:
            plan.zeros.append((child.payload, child.end))
        else:
            plan.neutralise_box(child.start, child.payload, child.end)
    if b"iinf" not in boxes or b"iloc" not in boxes:
        raise ValueError("meta has no iinf or iloc")
    metadata_items = _neutralise_metadata_items(source, boxes[b"iinf"], plan)
    if b"iprp" in boxes:
        _neutralise_descriptive_properties(source, boxes[b"iprp"], plan)
    extents = _item_extents(source, boxes[b"iloc"])
    kept = {"file": [], "idat": []}
    for item, (method, item_extents) in extents.items():
        where = "file" if method == 0 else "idat"
        if item in metadata_items:
            for start, end in item_extents:
                plan.zeros.append(
                    (start, end) if where == "file"
                    else (boxes[b"idat"].payload + start, boxes[b"idat"].payload + end)
                )
        else:
            kept[where] += item_extents
    return kept, boxes.get(b"idat")


def _neutralise_metadata_items(source: BinaryIO, iinf: _Box, plan: _Plan) -> set[int]:
    version, _ = _version_and_flags(source, iinf)
    source.seek(iinf.payload + 4)
    read_exactly(source, 2 if version == 0 else 4)  # entry count; the boxes say it again
    metadata = set()
    for infe in _boxes(source, source.tell(), iinf.end):
        if infe.kind != b"infe":
            continue
        version, _ = _version_and_flags(source, infe)
        if version < 2:
            raise NotWalkable(f"infe version {version}")
        source.seek(infe.payload + 4)
        item = _uint(source, 2 if version == 2 else 4)
        read_exactly(source, 2)  # item_protection_index
        type_at = source.tell()
        if read_exactly(source, 4) in METADATA_ITEM_TYPES:
            metadata.add(item)
            plan.writes.append((type_at, NEUTRAL))
    return metadata


def _neutralise_descriptive_properties(source: BinaryIO, iprp: _Box, plan: _Plan):
    children = {child.kind: child for child in _children(source, iprp)}
    if b"ipco" not in children:
        return
    properties = list(_children(source, children[b"ipco"]))
    essential = _essential_properties(source, children.get(b"ipma"))
    for index, prop in enumerate(properties, start=1):
        if prop.kind in KEPT_PROPERTIES or prop.kind in EMPTY or index in essential:
            continue
        plan.neutralise_box(prop.start, prop.payload, prop.end)


def _essential_properties(source: BinaryIO, ipma: _Box | None) -> set[int]:
    """Indices (1-based) of properties some item marks essential: kept whatever they are."""
    if ipma is None:
        return set()
    version, flags = _version_and_flags(source, ipma)
    source.seek(ipma.payload + 4)
    (entries,) = struct.unpack(">I", read_exactly(source, 4))
    essential = set()
    for _ in range(entries):
        read_exactly(source, 2 if version < 1 else 4)  # item_ID
        (count,) = struct.unpack(">B", read_exactly(source, 1))
        for _ in range(count):
            if flags & 1:
                (value,) = struct.unpack(">H", read_exactly(source, 2))
                marked, index = value >> 15, value & 0x7FFF
            else:
                (value,) = struct.unpack(">B", read_exactly(source, 1))
                marked, index = value >> 7, value & 0x7F
            if marked:
                essential.add(index)
    if source.tell() > ipma.end:
        raise ValueError("ipma runs past its box")
    return essential


def _item_extents(source: BinaryIO, iloc: _Box) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """item_ID → (construction method, [(start, end)]): absolute file offsets for
    method 0, offsets into `idat` for method 1."""
    version, _ = _version_and_flags(source, iloc)
    if version > 2:
        raise NotWalkable(f"iloc version {version}")
    source.seek(iloc.payload + 4)
    sizes, more = struct.unpack(">BB", read_exactly(source, 2))
    offset_size, length_size = sizes >> 4, sizes & 15
    base_offset_size, index_size = more >> 4, (more & 15 if version else 0)
    count = _uint(source, 2 if version < 2 else 4)
    items = {}
    for _ in range(count):
        item = _uint(source, 2 if version < 2 else 4)
        method = _uint(source, 2) & 15 if version else 0
        reference = _uint(source, 2)
        base = _uint(source, base_offset_size)
        if method > 1 or reference != 0:
            raise NotWalkable(f"item {item} is built by reference (method {method})")
        extents = []
        for _ in range(_uint(source, 2)):
            _uint(source, index_size)
            offset, length = _uint(source, offset_size), _uint(source, length_size)
            if length == 0:
                raise NotWalkable(f"item {item} has an extent of implied length")
            extents.append((base + offset, base + offset + length))
        items[item] = (method, extents)
    if source.tell() > iloc.end:
        raise ValueError("iloc runs past its box")
    return items


def _uint(source: BinaryIO, size: int) -> int:
    if size == 0:
        return 0
    if size not in (2, 4, 8):
        raise ValueError(f"a field of {size} bytes")
    return int.from_bytes(read_exactly(source, size))


def _gaps(start: int, end: int, used: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Parts of [start, end) that no range in `used` covers."""
    gaps, position = [], start
    for used_start, used_end in sorted(used):
        if used_end <= position or used_start >= end:
            continue
        if used_start > position:
            gaps.append((position, used_start))
        position = max(position, used_end)
    if position < end:
        gaps.append((position, end))
    return gaps


def _changes(source: BinaryIO, plan: _Plan) -> bool:
    """Whether carrying out `plan` changes a byte of `source`."""
    for offset, data in plan.writes:
        source.seek(offset)
        if source.read(len(data)) != data:
            return True
    for start, end in plan.zeros:
        source.seek(start)
        remaining = end - start
        while remaining:
            block = read_exactly(source, min(remaining, 64 * 1024))
            if block.strip(b"\0"):
                return True
            remaining -= len(block)
    return False


def _write_zeros(destination: BinaryIO, count: int):
    block = bytes(min(count, 64 * 1024))
    while count:
        destination.write(block[: min(count, len(block))])
        count -= min(count, len(block))


def reencode(source: BinaryIO, destination: BinaryIO, pillow_format: str, *, quality: int) -> bool:
    """Decode every picture and encode them again with nothing but the colour
    profile and the orientation: for layouts `strip` cannot walk. Lossy, at a
    quality that keeps the photo (docs/privacy.md); refused (ValueError) when
    holding every decoded frame would take more than MAX_DECODE_BYTES."""
    source.seek(0)
    with Image.open(source, formats=[pillow_format]) as picture:
        frames = getattr(picture, "n_frames", 1)
        if frames * picture.width * picture.height * 4 > settings.MAX_DECODE_BYTES:
            raise ValueError("too large to re-encode without its metadata")
        pictures = [frame.copy() for frame in ImageSequence.Iterator(picture)]
        orientation = picture.getexif().get(EXIF_ORIENTATION_TAG, 1)
        icc_profile = picture.info.get("icc_profile")
        durations = [frame.info.get("duration", 0) for frame in pictures]
    exif = Image.Exif()
    if orientation != 1:
        exif[EXIF_ORIENTATION_TAG] = orientation
    options = {"quality": quality, "exif": exif.tobytes()}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if len(pictures) > 1:
        options.update(save_all=True, append_images=pictures[1:], duration=durations)
    pictures[0].save(destination, pillow_format, **options)
    return True
