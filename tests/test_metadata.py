"""images.metadata.strip_metadata: personal metadata goes, pixels stay identical.

Two kinds of evidence per format: files written by Pillow with its own
metadata options (as a camera or editor would), checked through Pillow's
readers and a raw byte search; and files with metadata spliced into a clean
file by hand, which must clean back to exactly that clean file.
"""

import io
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image, ImageCms, ImageOps, PngImagePlugin

from images.metadata import binary, strip_metadata
from tests.corpus import gif_bytes, jpeg_bytes, png_bytes, webp_bytes

PNG, JPEG, GIF, WEBP = "image/png", "image/jpeg", "image/gif", "image/webp"

SECRETS = (
    b"Corpus Camera Co.",
    b"SN-0042-SECRET",
    b"2024:05:01 12:34:56",
    b"Jane Photographer",
    b"12 Secret Street",
    b"THUMBNAIL-OF-THE-UNCROPPED-ORIGINAL",
)
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.49N">'
    b"<dc:creator>Jane Photographer</dc:creator></rdf:Description>"
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def strip(data: bytes, content_type: str) -> tuple[bool, bytes]:
    source = io.BytesIO(data)
    source.seek(0, io.SEEK_END)  # the function must rewind by itself
    destination = io.BytesIO()
    removed = strip_metadata(source, destination, content_type)
    return removed, destination.getvalue()


def frames(data: bytes) -> list[tuple[str, tuple[int, int], bytes]]:
    """Mode, size and decoded pixels of every frame."""
    with Image.open(io.BytesIO(data)) as image:
        decoded = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            decoded.append((image.mode, image.size, image.tobytes()))
        return decoded


def assert_no_secrets(data: bytes):
    for secret in SECRETS + (XMP, b"GPSLatitude"):
        assert secret not in data


def camera_exif(orientation: int | None = 6) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x010F] = "Corpus Camera Co."  # Make
    exif[0x0132] = "2024:05:01 12:34:56"  # DateTime
    exif[0x8769] = {0xA431: "SN-0042-SECRET", 0x9003: "2024:05:01 12:34:56"}  # serial, taken
    exif[0x8825] = {0x0001: "N", 0x0002: (48.0, 51.0, 29.6), 0x0003: "E", 0x0004: (2.0, 17.0, 40.2)}
    return exif


def exif_with_thumbnail() -> bytes:
    """Exif whose IFD1 holds a JPEG thumbnail, as cameras write it (Pillow cannot)."""
    thumbnail = jpeg_bytes(8, 8, comment=b"THUMBNAIL-OF-THE-UNCROPPED-ORIGINAL")
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack("<I", 26)
    ifd1 = (
        struct.pack("<H", 2)
        + struct.pack("<HHII", 0x0201, 4, 1, 56)  # JPEGInterchangeFormat
        + struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))  # …Length
        + struct.pack("<I", 0)
    )
    return b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd0 + ifd1 + thumbnail


# --- JPEG ---------------------------------------------------------------------


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def after_first_segment(jpeg: bytes) -> int:
    """Where the segment after SOI (JFIF, or Adobe for CMYK) ends."""
    return 4 + struct.unpack(">H", jpeg[4:6])[0]


def jpeg_segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of the segments before the first scan's data."""
    segments, position = [], 2
    while True:
        marker = jpeg[position + 1]
        (length,) = struct.unpack(">H", jpeg[position + 2 : position + 4])
        segments.append((marker, jpeg[position + 4 : position + 2 + length]))
        if marker == 0xDA:
            return segments
        position += 2 + length


IPTC = (
    b"Photoshop 3.0\0"
    + b"8BIM\x04\x04\0\0"
    + struct.pack(">I", 22)
    + b"\x1c\x02\x50\x00\x11Jane Photographer"  # IPTC By-line
    + b"\0"
)
METADATA_SEGMENTS = [
    jpeg_segment(0xE0, b"JFXX\0\x13" + b"THUMBNAIL-OF-THE-UNCROPPED-ORIGINAL"),
    jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP),
    jpeg_segment(0xE2, b"FPXR\0\0Jane Photographer"),
    jpeg_segment(0xED, IPTC),
    jpeg_segment(0xFE, b"taken at 12 Secret Street"),
    *(jpeg_segment(marker, b"NOTE\0Jane Photographer") for marker in (*range(0xE3, 0xED), 0xEF)),
]


def test_jpeg_loses_gps_serials_timestamps_and_comments_but_keeps_orientation():
    original = jpeg_bytes(40, 24, exif=camera_exif(), xmp=XMP, comment=b"12 Secret Street")

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert_no_secrets(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {0x0112: 6}
        assert "xmp" not in image.info and "comment" not in image.info
    assert frames(cleaned) == frames(original)


def test_jpeg_exif_without_orientation_goes_entirely():
    original = jpeg_bytes(40, 24, exif=camera_exif(orientation=None))

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert cleaned == jpeg_bytes(40, 24)
    assert b"Exif" not in cleaned


def test_jpeg_exif_thumbnail_goes():
    original = jpeg_bytes(40, 24, exif=exif_with_thumbnail())
    assert b"THUMBNAIL-OF-THE-UNCROPPED-ORIGINAL" in original

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert_no_secrets(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {0x0112: 6}
        assert image.getexif().get_ifd(0x0201) == {}  # no IFD1 left


def test_jpeg_orientation_survives_for_viewers_that_apply_it():
    removed, cleaned = strip(jpeg_bytes(40, 24, exif=camera_exif(orientation=6)), JPEG)

    assert removed
    with Image.open(io.BytesIO(cleaned)) as image:
        assert ImageOps.exif_transpose(image).size == (24, 40)


@pytest.mark.parametrize(
    "options",
    [{}, {"progressive": True}, {"mode": "CMYK"}, {"mode": "L"}, {"restart_marker_blocks": 1}],
    ids=["baseline", "progressive", "cmyk-adobe", "gray", "restart-markers"],
)
def test_jpeg_with_spliced_metadata_cleans_back_to_the_clean_file(options):
    clean = jpeg_bytes(48, 32, **options)
    at = after_first_segment(clean)
    original = clean[:at] + b"".join(METADATA_SEGMENTS) + clean[at:]
    assert frames(original) == frames(clean)  # the crafted file is a valid JPEG

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert cleaned == clean
    assert len(original) - len(cleaned) == sum(map(len, METADATA_SEGMENTS))
    with Image.open(io.BytesIO(original)) as image:
        assert "photoshop" in image.info and "xmp" in image.info  # Pillow did find them
    with Image.open(io.BytesIO(cleaned)) as image:
        assert "photoshop" not in image.info and "xmp" not in image.info


def test_jpeg_comment_between_progressive_scans_goes():
    clean = jpeg_bytes(48, 32, progressive=True)
    second_scan = clean.index(b"\xff\xda", clean.index(b"\xff\xda") + 2)
    comment = jpeg_segment(0xFE, b"taken at 12 Secret Street")
    original = clean[:second_scan] + comment + clean[second_scan:]
    assert frames(original) == frames(clean)

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert cleaned == clean


def test_jpeg_keeps_icc_profile_and_adobe_segment():
    original = jpeg_bytes(40, 24, mode="CMYK", icc_profile=ICC, exif=camera_exif())

    removed, cleaned = strip(original, JPEG)

    assert removed
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.info["icc_profile"] == ICC
        assert image.info["adobe"]
    kept = [marker for marker, _ in jpeg_segments(cleaned)]
    assert kept.count(0xE2) == 1 and kept.count(0xEE) == 1
    assert frames(cleaned) == frames(original)


def test_jpeg_jfif_thumbnail_goes_but_jfif_stays():
    clean = jpeg_bytes(40, 24)
    end = after_first_segment(clean)
    thumbnail = bytes([2, 1]) + b"\xffM\x00" * 2  # 2×1 RGB pixels
    jfif = clean[6:end][:-2] + thumbnail
    original = clean[:2] + jpeg_segment(0xE0, jfif) + clean[end:]

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert cleaned == clean


def test_mpo_keeps_only_the_first_picture():
    first, second = Image.new("RGB", (32, 24), "navy"), Image.new("RGB", (32, 24), "orange")
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second], exif=camera_exif())
    original = buffer.getvalue()

    removed, cleaned = strip(original, JPEG)

    assert removed
    assert b"MPF\0" not in cleaned
    assert cleaned.count(b"\xff\xd8") == 1 and cleaned.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert getattr(image, "n_frames", 1) == 1
    assert frames(cleaned) == frames(original)[:1]


def test_large_jpeg_is_cleaned_in_bounded_memory(tmp_path):
    source_path, destination_path = tmp_path / "large.jpg", tmp_path / "clean.jpg"
    Image.effect_noise((3000, 3000), 80).save(
        source_path, "JPEG", quality=80, exif=camera_exif(), comment=b"12 Secret Street"
    )
    size = source_path.stat().st_size
    assert size > 4_000_000

    with open(source_path, "rb") as source, open(destination_path, "wb") as destination:
        tracemalloc.start()
        try:
            removed = strip_metadata(source, destination, JPEG)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert removed
    assert peak < 512 * 1024, f"peak {peak:,} bytes for a {size:,}-byte file"
    cleaned = destination_path.read_bytes()
    assert_no_secrets(cleaned)
    assert frames(cleaned) == frames(source_path.read_bytes())


# --- PNG ----------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_chunk_types(data: bytes) -> list[bytes]:
    kinds, position = [], 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        kinds.append(kind)
        position += 12 + length
        if kind == b"IEND":
            return kinds
    raise AssertionError("no IEND")


def png_info() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Photographer")
    info.add_text("Comment", "taken at 12 Secret Street", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 1, 12, 34, 56))
    return info


def apng_bytes(**save_options) -> bytes:
    colours = ["navy", "orange", "teal"]
    images = [Image.new("RGBA", (16, 12), colour) for colour in colours]
    buffer = io.BytesIO()
    images[0].save(
        buffer, "PNG", save_all=True, append_images=images[1:], duration=100, loop=0,
        **save_options,
    )  # fmt: skip
    return buffer.getvalue()


def test_png_loses_text_xmp_time_and_exif_but_keeps_orientation_and_icc():
    original = png_bytes(20, 12, pnginfo=png_info(), exif=camera_exif(), icc_profile=ICC)

    removed, cleaned = strip(original, PNG)

    assert removed
    assert_no_secrets(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.text == {}
        assert "xmp" not in image.info
        assert dict(image.getexif()) == {0x0112: 6}
        assert image.info["icc_profile"] == ICC
    assert png_chunk_types(cleaned) == [b"IHDR", b"iCCP", b"eXIf", b"IDAT", b"IEND"]
    assert frames(cleaned) == frames(original)


@pytest.mark.parametrize("mode", ["RGB", "P", "RGBA", "LA", "I;16"])
def test_png_with_spliced_metadata_cleans_back_to_the_clean_file(mode):
    clean = png_bytes(20, 12, mode=mode)
    idat, iend = clean.index(b"IDAT") - 4, clean.index(b"IEND") - 4
    before = png_chunk(b"tEXt", b"Author\0Jane Photographer") + png_chunk(
        b"zTXt", b"Comment\0\0" + zlib.compress(b"12 Secret Street")
    )
    after = png_chunk(b"prVt", b"Jane Photographer") + png_chunk(b"tIME", b"\x07\xe8\5\1\0\0\0")
    original = clean[:idat] + before + clean[idat:iend] + after + clean[iend:]
    assert frames(original) == frames(clean)

    removed, cleaned = strip(original, PNG)

    assert removed
    assert cleaned == clean
    assert len(original) - len(cleaned) == len(before) + len(after)


def test_png_exif_without_orientation_goes_entirely():
    removed, cleaned = strip(png_bytes(20, 12, exif=camera_exif(orientation=None)), PNG)

    assert removed
    assert cleaned == png_bytes(20, 12)


def test_png_loses_bytes_after_iend():
    clean = png_bytes(10, 8)

    removed, cleaned = strip(clean + b"<?php system($_GET['c']); ?>\n", PNG)

    assert removed
    assert cleaned == clean


def test_apng_keeps_every_frame():
    original = apng_bytes(pnginfo=png_info())

    removed, cleaned = strip(original, PNG)

    assert removed
    assert cleaned == apng_bytes()
    assert len(frames(cleaned)) == 3
    assert frames(cleaned) == frames(original)


def test_png_with_an_unknown_critical_chunk_is_a_value_error():
    clean = png_bytes(10, 8)
    idat = clean.index(b"IDAT") - 4
    original = clean[:idat] + png_chunk(b"SECR", b"Jane") + clean[idat:]

    with pytest.raises(ValueError, match="critical"):
        strip(original, PNG)


# --- GIF ----------------------------------------------------------------------


def gif_sub_blocks(data: bytes) -> bytes:
    pieces = [data[i : i + 255] for i in range(0, len(data), 255)]
    return b"".join(bytes([len(piece)]) + piece for piece in pieces) + b"\0"


GIF_COMMENT = b"\x21\xfe" + gif_sub_blocks(b"taken at 12 Secret Street by Jane Photographer")
# XMP's own GIF convention: raw packet, then a "magic trailer" that any
# sub-block reader walks down to a terminator.
GIF_XMP = b"\x21\xff\x0bXMP DataXMP" + XMP + b"\x01" + bytes(range(255, -1, -1)) + b"\0"
GIF_ICC = b"\x21\xff\x0bICCRGBG1012" + gif_sub_blocks(ICC)


def netscape_end(gif: bytes) -> int:
    return gif.index(b"NETSCAPE2.0") - 3 + 19


def test_gif_loses_comments_and_xmp_but_keeps_looping_icc_and_frames():
    clean = gif_bytes(3, 24, 16)
    at = netscape_end(clean)
    with_icc = clean[:at] + GIF_ICC + clean[at:]
    second_frame = with_icc.index(b"\x21\xf9", with_icc.index(b"\x2c"))
    original = (
        with_icc[:at] + GIF_XMP + GIF_COMMENT
        + with_icc[at:second_frame] + GIF_COMMENT + with_icc[second_frame:]
    )  # fmt: skip
    assert frames(original) == frames(clean)

    removed, cleaned = strip(original, GIF)

    assert removed
    assert cleaned == with_icc
    assert_no_secrets(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.info["loop"] == 0
        assert image.n_frames == 3


def test_gif_written_with_a_comment_loses_it():
    original = gif_bytes(3, 24, 16, comment=b"12 Secret Street")

    removed, cleaned = strip(original, GIF)

    assert removed
    assert b"12 Secret Street" not in cleaned
    assert "comment" not in Image.open(io.BytesIO(cleaned)).info
    assert frames(cleaned) == frames(original)
    assert len(original) - len(cleaned) == len(b"\x21\xfe\x10\0") + len(b"12 Secret Street")


# --- WebP ---------------------------------------------------------------------


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"RIFF" and struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks, position = [], 12
    while position < len(data):
        kind, length = struct.unpack("<4sI", data[position : position + 8])
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 8 + length + (length & 1)
    return chunks


def vp8x_flags(data: bytes) -> int:
    kind, payload = webp_chunks(data)[0]
    assert kind == b"VP8X"
    return payload[0]


def test_webp_loses_exif_and_xmp_but_keeps_orientation_and_icc():
    original = webp_bytes(False, 26, 18, exif=camera_exif(), xmp=XMP, icc_profile=ICC)
    assert vp8x_flags(original) & 0x0C == 0x0C

    removed, cleaned = strip(original, WEBP)

    assert removed
    assert_no_secrets(cleaned)
    assert [kind for kind, _ in webp_chunks(cleaned)] == [b"VP8X", b"ICCP", b"VP8 ", b"EXIF"]
    assert vp8x_flags(cleaned) & 0x0C == 0x08  # EXIF stays flagged, XMP not
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {0x0112: 6}
        assert "xmp" not in image.info
        assert image.info["icc_profile"] == ICC
    assert frames(cleaned) == frames(original)


def test_webp_exif_without_orientation_goes_with_its_flag():
    original = webp_bytes(True, 26, 18, exif=camera_exif(orientation=None), icc_profile=ICC)

    removed, cleaned = strip(original, WEBP)

    assert removed
    assert cleaned == webp_bytes(True, 26, 18, icc_profile=ICC)
    assert vp8x_flags(cleaned) & 0x0C == 0


def test_webp_with_spliced_metadata_cleans_back_to_the_clean_file():
    clean = webp_bytes(False, 22, 14, frames=3)
    metadata = (
        b"XMP " + struct.pack("<I", len(XMP)) + XMP + b"\0" * (len(XMP) & 1)
        + b"NOTE" + struct.pack("<I", 17) + b"Jane Photographer\0"
    )  # fmt: skip
    flagged = bytearray(clean + metadata)
    flagged[4:8] = struct.pack("<I", len(flagged) - 8)
    flagged[20] |= 0x04
    original = bytes(flagged)
    assert frames(original) == frames(clean)

    removed, cleaned = strip(original, WEBP)

    assert removed
    assert cleaned == clean
    assert len(frames(cleaned)) == 3


def test_animated_webp_keeps_every_frame():
    original = webp_bytes(False, 22, 14, frames=3, exif=camera_exif(), xmp=XMP)

    removed, cleaned = strip(original, WEBP)

    assert removed
    assert_no_secrets(cleaned)
    assert len(frames(cleaned)) == 3
    assert frames(cleaned) == frames(original)


# --- Every format -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (png_bytes(20, 12), PNG),
        (png_bytes(20, 12, mode="P", icc_profile=ICC), PNG),
        (apng_bytes(), PNG),
        (jpeg_bytes(40, 24), JPEG),
        (jpeg_bytes(40, 24, mode="CMYK", icc_profile=ICC), JPEG),
        (jpeg_bytes(40, 24, progressive=True), JPEG),
        (gif_bytes(1, 20, 20), GIF),
        (gif_bytes(3, 24, 16), GIF),
        (webp_bytes(True, 26, 18), WEBP),
        (webp_bytes(False, 26, 18, icc_profile=ICC), WEBP),
        (webp_bytes(False, 22, 14, frames=3), WEBP),
    ],
    ids=[
        "png", "png-palette-icc", "apng", "jpeg", "jpeg-cmyk-icc", "jpeg-progressive",
        "gif", "gif-animated", "webp-lossless", "webp-icc", "webp-animated",
    ],
)  # fmt: skip
def test_an_image_without_metadata_is_left_alone(data, content_type):
    removed, _ = strip(data, content_type)

    assert not removed


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (png_bytes(20, 12, pnginfo=png_info(), exif=camera_exif()), PNG),
        (jpeg_bytes(40, 24, exif=camera_exif(), xmp=XMP), JPEG),
        (gif_bytes(3, 24, 16, comment=b"12 Secret Street"), GIF),
        (webp_bytes(False, 26, 18, exif=camera_exif(), xmp=XMP), WEBP),
    ],
    ids=["png", "jpeg", "gif", "webp"],
)
def test_a_cleaned_image_cleans_to_itself(data, content_type):
    _, cleaned = strip(data, content_type)

    removed, _ = strip(cleaned, content_type)

    assert not removed


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (png_bytes(48, 48, pnginfo=png_info()), PNG),
        (jpeg_bytes(64, 48, exif=camera_exif()), JPEG),
        (gif_bytes(1, 48, 48, comment=b"12 Secret Street"), GIF),
        (webp_bytes(False, 64, 64, exif=camera_exif()), WEBP),
    ],
    ids=["png", "jpeg", "gif", "webp"],
)
def test_a_truncated_image_is_a_value_error(data, content_type):
    with pytest.raises(ValueError):
        strip(data[: len(data) * 2 // 3], content_type)


@pytest.mark.parametrize("block_size", [2, 3, 5])
def test_copy_block_boundaries_do_not_change_the_result(block_size, monkeypatch):
    """Every 0xFF of the scan data lands on a block boundary for some block size."""
    files = [
        (jpeg_bytes(64, 48, progressive=True, exif=camera_exif()), JPEG),
        (jpeg_bytes(64, 48, restart_marker_blocks=1, comment=b"12 Secret Street"), JPEG),
        (apng_bytes(pnginfo=png_info()), PNG),
        (webp_bytes(False, 22, 14, frames=3, xmp=XMP), WEBP),
        (gif_bytes(3, 24, 16, comment=b"12 Secret Street"), GIF),
    ]
    expected = [strip(data, content_type) for data, content_type in files]

    monkeypatch.setattr(binary, "BLOCK_SIZE", block_size)

    assert [strip(data, content_type) for data, content_type in files] == expected


def test_an_unknown_content_type_is_a_value_error():
    with pytest.raises(ValueError):
        strip(png_bytes(), "image/svg+xml")
