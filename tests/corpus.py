"""In-memory corpus of upload test files for ``POST /api/images/``.

Pure Python (Pillow + stdlib only, no Django).  Nothing is built at import
time: call :func:`accepted_cases`, :func:`refused_cases` or
:func:`hostile_names` (results are cached, treat them as read-only).

Every :class:`Case` states its expected outcome explicitly; those literals
are the spec.  :func:`reference_outcome` is a tiny reference validator that
implements the documented validation pipeline, and running this module
(``python tests/corpus.py``) asserts that every case's expectation agrees
with it and prints a table.

Reference pipeline (what the app's validator is expected to do):

1. ``b""`` -> 400 ``empty_file``.
2. ``Image.open(f, formats=["PNG", "JPEG", "GIF", "WEBP"])``;
   ``UnidentifiedImageError`` -> 415 ``unsupported_image``.
   Note: a PNG whose IHDR CRC is wrong, or any garbage after a PNG/JPEG
   signature, fails *inside* Pillow's open and so surfaces as
   ``UnidentifiedImageError`` -> ``unsupported_image`` (not corrupt).
   Any other exception from ``open`` -> 415 ``corrupt_image``: Pillow 13
   raises a plain ``OSError`` out of ``open`` for a JPEG cut inside its
   tables ("Truncated File Read") and for a truncated WebP ("could not
   create decoder object"), so catching only ``UnidentifiedImageError``
   there would turn those into 500s.
3. ``width * height > max_pixels`` -> 413 ``image_too_large``.
4. ``n_frames > max_frames`` -> 413 ``too_many_frames``.
   The memory decoding would take (:func:`decode_estimate`, the factors of
   ``images.decoding``) ``> max_decode_bytes`` -> 413 ``image_too_large``.
5. ``verify()``, re-open, ``seek(i)`` + ``load()`` for every frame; any
   exception -> 415 ``corrupt_image``.  Note ``PngImageFile.verify()``
   raises ``SyntaxError`` (not ``OSError``) on a bad chunk CRC.
   ``Image.DecompressionBombError`` anywhere -> 413 ``image_too_large``.

Assumes ``ImageFile.LOAD_TRUNCATED_IMAGES`` is left at its default (False).

``width``/``height`` of accepted cases are the dimensions as displayed, i.e.
*after* the EXIF orientation (CONTRACT.md, "Same content twice"; see
``jpeg-exif-orientation6-gps``: stored 40x24, displays as 24x40).
"""

from __future__ import annotations

import functools
import io
import random
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image, ImageFile, PngImagePlugin, UnidentifiedImageError

ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_FRAMES = 1000
DEFAULT_MAX_DECODE_BYTES = 384 * 1024 * 1024

__all__ = [
    "ACCEPTED_FORMATS",
    "Case",
    "accepted_cases",
    "all_cases",
    "decode_estimate",
    "gif_bytes",
    "gif_canvas_bomb",
    "hostile_names",
    "jpeg_bytes",
    "png_bytes",
    "png_flat",
    "reference_outcome",
    "refused_cases",
    "webp_bytes",
]


@dataclass(frozen=True)
class Case:
    id: str  # short slug, used as pytest id
    filename: str  # client-side filename sent in the multipart part
    data: bytes
    status: int  # expected HTTP status of POST /api/images/
    code: str | None  # expected JSON error.code (None when accepted)
    content_type: str | None = None  # expected detected type when accepted
    width: int | None = None
    height: int | None = None

    def __repr__(self) -> str:  # keep pytest output readable (no data dump)
        return (
            f"Case(id={self.id!r}, filename={self.filename!r}, "
            f"len={len(self.data)}, status={self.status}, code={self.code!r})"
        )


# --------------------------------------------------------------------------
# Pillow-based helpers (reusable by other tests)
# --------------------------------------------------------------------------


def _rgb(width: int, height: int, seed: int = 0) -> Image.Image:
    """Deterministic RGB picture with gradients (so JPEG/WebP aren't trivial)."""
    gx = Image.linear_gradient("L").rotate(90).resize((width, height))
    gy = Image.linear_gradient("L").resize((width, height))
    gb = Image.radial_gradient("L").resize((width, height))
    if seed:
        gb = gb.point(lambda v: (v + 37 * seed) % 256)
    return Image.merge("RGB", (gx, gy, gb))


def _image(width: int, height: int, mode: str, seed: int = 0) -> Image.Image:
    im = _rgb(width, height, seed)
    if mode == "RGB":
        return im
    if mode in ("RGBA", "LA"):
        alpha = Image.linear_gradient("L").resize((width, height))
        base = im.convert("L") if mode == "LA" else im
        base.putalpha(alpha)
        return base
    if mode == "P":
        return im.quantize(colors=16)
    if mode == "I;16":
        # spread 8-bit values over the full 16-bit range
        return im.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
    return im.convert(mode)


def _save(im: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def png_bytes(width: int = 8, height: int = 8, mode: str = "RGB", **save_kwargs) -> bytes:
    """A real PNG written by Pillow. ``mode`` e.g. RGB, RGBA, P, L, LA, I;16."""
    return _save(_image(width, height, mode), "PNG", **save_kwargs)


def jpeg_bytes(width: int = 8, height: int = 8, mode: str = "RGB", **save_kwargs) -> bytes:
    """A real JPEG written by Pillow. ``mode`` RGB, L or CMYK; kwargs e.g.
    ``progressive=True``, ``quality=..``, ``exif=Image.Exif()``."""
    save_kwargs.setdefault("quality", 85)
    return _save(_image(width, height, mode), "JPEG", **save_kwargs)


def _frames(n: int, width: int, height: int, mode: str = "RGB") -> list[Image.Image]:
    # each frame differs from the previous one, so neither the GIF nor the
    # WebP encoder merges consecutive frames
    return [_image(width, height, mode, seed=i + 1) for i in range(n)]


def gif_bytes(frames: int = 1, width: int = 8, height: int = 8, **save_kwargs) -> bytes:
    """A real (optionally animated) GIF written by Pillow."""
    ims = [f.quantize(colors=32) for f in _frames(frames, width, height)]
    if frames > 1:
        save_kwargs.setdefault("save_all", True)
        save_kwargs.setdefault("append_images", ims[1:])
        save_kwargs.setdefault("duration", 100)
        save_kwargs.setdefault("loop", 0)
    return _save(ims[0], "GIF", **save_kwargs)


def webp_bytes(
    lossless: bool = False,
    width: int = 8,
    height: int = 8,
    frames: int = 1,
    mode: str = "RGB",
    **save_kwargs,
) -> bytes:
    """A real (optionally animated) WebP written by Pillow."""
    ims = _frames(frames, width, height, mode)
    save_kwargs["lossless"] = lossless
    if frames > 1:
        save_kwargs.setdefault("save_all", True)
        save_kwargs.setdefault("append_images", ims[1:])
        save_kwargs.setdefault("duration", 100)
        save_kwargs.setdefault("loop", 0)
    return _save(ims[0], "WEBP", **save_kwargs)


def _gif_1000_frames_1x1(n: int) -> bytes:
    """Pillow-written GIF with ``n`` 1x1 frames alternating black/white."""
    ims = []
    for i in range(n):
        im = Image.new("P", (1, 1), i % 2)
        im.putpalette([0, 0, 0, 255, 255, 255])
        ims.append(im)
    return _save(ims[0], "GIF", save_all=True, append_images=ims[1:], duration=10, loop=0)


# --------------------------------------------------------------------------
# Hand-crafted byte-level helpers
# --------------------------------------------------------------------------


def _png_chunk(ctype: bytes, payload: bytes, crc: int | None = None) -> bytes:
    if crc is None:
        crc = zlib.crc32(ctype + payload)
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc & 0xFFFFFFFF)


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _png_header_only(width: int, height: int) -> bytes:
    """Valid-looking 8-bit grayscale PNG claiming width x height, with a tiny
    IDAT holding only the first row (the rest is missing on purpose)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1), 9)
    return (
        PNG_SIG + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    )


def _png_chunks(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """[(offset_of_length_field, type, payload)] for a PNG."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        out.append((pos, ctype, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def _png_flip_idat(data: bytes, fix_crc: bool) -> bytes:
    """Flip one byte in the middle of the (first) IDAT payload.

    fix_crc=False: CRC now mismatches -> PNG verify() catches it.
    fix_crc=True:  CRC recomputed, so only the actual inflate/unfilter fails.
    """
    buf = bytearray(data)
    for pos, ctype, payload in _png_chunks(data):
        if ctype == b"IDAT":
            i = pos + 8 + len(payload) // 2
            buf[i] ^= 0xFF
            if fix_crc:
                new_payload = bytes(buf[pos + 8 : pos + 8 + len(payload)])
                crc_at = pos + 8 + len(payload)
                buf[crc_at : crc_at + 4] = struct.pack(">I", zlib.crc32(b"IDAT" + new_payload))
            return bytes(buf)
    raise AssertionError("no IDAT")


def _png_bad_ihdr_crc(data: bytes) -> bytes:
    buf = bytearray(data)
    # signature(8) + length(4) + "IHDR"(4) + 13 bytes payload -> CRC at 29..33
    buf[29] ^= 0xFF
    return bytes(buf)


def _gif_screen_bomb(screen: tuple[int, int], frame: tuple[int, int]) -> bytes:
    """GIF whose logical screen and/or first image descriptor claim huge
    dimensions, with a 1-pixel LZW stream (a few dozen bytes in total)."""
    head = b"GIF89a" + struct.pack("<HHBBB", screen[0], screen[1], 0x80, 0, 0)
    palette = b"\x00\x00\x00\xff\xff\xff"
    desc = b"\x2c" + struct.pack("<HHHHB", 0, 0, frame[0], frame[1], 0)
    lzw = b"\x02\x02\x44\x01\x00"  # min code size 2; CLEAR, 0, EOI
    return head + palette + desc + lzw + b"\x3b"


def _gif_many_frames(n: int) -> bytes:
    """Hand-made 1x1 GIF with ``n`` frames (about 19 bytes per frame)."""
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    frames = []
    for i in range(n):
        gce = b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # delay 1/100 s
        desc = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        lzw = b"\x02\x02" + bytes([0x44 | ((i % 2) << 3), 0x01]) + b"\x00"
        frames.append(gce + desc + lzw)
    return head + loop + b"".join(frames) + b"\x3b"


def gif_canvas_bomb(width: int = 7000, height: int = 7000, frames: int = 10) -> bytes:
    """A GIF of a few hundred bytes: a huge logical screen and ``frames`` 1x1
    frames. Within the pixel and frame limits, but a decoder composes every
    frame on a full canvas (RGBA after the first) and keeps the previous one
    for disposal: ~400 MB held for 49 megapixels (issue 16)."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    head = b"GIF89a" + screen + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    body = []
    for i in range(frames):
        gce = b"\x21\xf9\x04\x00\x01\x00\x00\x00"
        desc = b"\x2c" + struct.pack("<HHHHB", i, i, 1, 1, 0)
        lzw = b"\x02\x02" + bytes([0x44 | ((i % 2) << 3), 0x01]) + b"\x00"
        body.append(gce + desc + lzw)
    return head + loop + b"".join(body) + b"\x3b"


@functools.cache
def png_flat(width: int, height: int, mode: str = "L") -> bytes:
    """All zeros (black, or transparent) over width x height: zlib makes 49
    megapixels of grey 47 KB."""
    colour_type, channels = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}[mode]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    # every row is filter type 0 followed by zero bytes
    idat = _zlib_of_zeros(height * (1 + width * channels))
    return (
        PNG_SIG + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    )


def _zlib_of_zeros(size: int, block: int = 1 << 20) -> bytes:
    """A zlib stream of ``size`` zero bytes, quickly: one deflated block of
    zeros ends with a full flush (no back-references across it), so the same
    bytes can be repeated; the checksum is summed block by block."""
    zeros = bytes(block)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    whole = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size, block)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = last.compress(bytes(rest)) + last.flush()
    checksum = 1
    for _ in range(count):
        checksum = zlib.adler32(zeros, checksum)
    checksum = zlib.adler32(bytes(rest), checksum)
    return b"\x78\xda" + whole * count + tail + struct.pack(">I", checksum)


def _webp_vp8l_header_bomb(width: int = 16383, height: int = 16383) -> bytes:
    """RIFF/WEBP with a VP8L chunk whose header claims width x height, and a
    few junk bytes of bitstream (Pillow rejects on the header alone)."""
    bits = (width - 1) | ((height - 1) << 14)  # alpha=0, version=0
    vp8l = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 11
    chunk = b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _minimal_pdf() -> bytes:
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _zip_with_png() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.png", png_bytes(4, 4))
        zf.writestr("readme.txt", "not an image\n")
    return buf.getvalue()


_SVG_SCRIPT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script type="text/javascript">alert(document.domain)</script>'
    b'<rect width="10" height="10" fill="red"/></svg>\n'
)


def _garbage(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

PNG, JPEG, GIF, WEBP = "image/png", "image/jpeg", "image/gif", "image/webp"


def _ok(id: str, filename: str, data: bytes, ctype: str, w: int, h: int) -> Case:
    return Case(id, filename, data, 201, None, ctype, w, h)


def _exif_orientation6_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "Corpus Camera Co."  # Make
    exif[0x8825] = {  # GPSInfo IFD (privacy-sensitive: location)
        0x0000: b"\x02\x02\x00\x00",  # GPSVersionID
        0x0001: "N",
        0x0002: (48.0, 51.0, 29.6),  # latitude
        0x0003: "E",
        0x0004: (2.0, 17.0, 40.2),  # longitude
    }
    return exif


@functools.cache
def _accepted() -> tuple[Case, ...]:
    script_info = PngImagePlugin.PngInfo()
    script_info.add_text("Comment", "<html><body><script>alert(1)</script></body></html>")
    script_info.add_text("Title", "<script>alert(1)</script>")
    return (
        _ok("png-rgb", "plain.png", png_bytes(32, 20), PNG, 32, 20),
        _ok("png-palette", "palette.png", png_bytes(24, 18, mode="P"), PNG, 24, 18),
        _ok("png-rgba", "transparent.png", png_bytes(20, 16, mode="RGBA"), PNG, 20, 16),
        _ok("png-gray16", "gray16.png", png_bytes(18, 14, mode="I;16"), PNG, 18, 14),
        _ok("png-la", "gray-alpha.png", png_bytes(16, 12, mode="LA"), PNG, 16, 12),
        # interlaced PNG: skipped, Pillow 13 cannot write Adam7 (it only reads it)
        _ok("jpeg-rgb", "photo.jpg", jpeg_bytes(64, 48), JPEG, 64, 48),
        _ok("jpeg-cmyk", "cmyk.jpg", jpeg_bytes(40, 30, mode="CMYK"), JPEG, 40, 30),
        _ok(
            "jpeg-progressive",
            "progressive.jpeg",
            jpeg_bytes(48, 36, progressive=True),
            JPEG,
            48,
            36,
        ),
        _ok("jpeg-gray", "gray.jpg", jpeg_bytes(30, 22, mode="L"), JPEG, 30, 22),
        _ok(
            "jpeg-exif-orientation6-gps",
            "rotated.jpg",
            jpeg_bytes(40, 24, exif=_exif_orientation6_gps()),
            JPEG,
            24,
            40,
        ),
        _ok("gif-single", "still.gif", gif_bytes(1, 20, 20), GIF, 20, 20),
        _ok("gif-animated-3", "anim.gif", gif_bytes(3, 24, 16), GIF, 24, 16),
        _ok("gif-1000-frames-at-limit", "limit.gif", _gif_1000_frames_1x1(1000), GIF, 1, 1),
        _ok("webp-lossless", "lossless.webp", webp_bytes(True, 26, 18), WEBP, 26, 18),
        _ok("webp-lossy", "lossy.webp", webp_bytes(False, 34, 26), WEBP, 34, 26),
        _ok("webp-animated-3", "anim.webp", webp_bytes(False, 22, 14, frames=3), WEBP, 22, 14),
        _ok("png-named-jpg", "actually-png.jpg", png_bytes(12, 10), PNG, 12, 10),
        _ok("jpeg-named-exe", "setup.exe", jpeg_bytes(28, 20), JPEG, 28, 20),
        _ok(
            "png-script-text-chunk",
            "polyglot.png",
            png_bytes(10, 10, pnginfo=script_info),
            PNG,
            10,
            10,
        ),
        # 49 megapixels of one grey in 47 KB: big, but one byte a pixel (issue 16)
        _ok("png-grey-7000x7000-flat", "flat.png", png_flat(7000, 7000), PNG, 7000, 7000),
        # bytes after IEND are ignored by Pillow: still a valid PNG
        _ok(
            "png-appended-php",
            "appended.png",
            png_bytes(10, 8) + b"<?php system($_GET['c']); ?>\n",
            PNG,
            10,
            8,
        ),
    )


def _refuse(id: str, filename: str, data: bytes, status: int, code: str) -> Case:
    return Case(id, filename, data, status, code)


U, C, BIG, FRAMES = "unsupported_image", "corrupt_image", "image_too_large", "too_many_frames"


@functools.cache
def _refused() -> tuple[Case, ...]:
    png = png_bytes(48, 48, mode="RGB")  # gradients: IDAT of a few KB
    jpg = jpeg_bytes(160, 120, quality=90)  # ~2.5 KB, scan data starts at ~600
    sos = jpg.index(b"\xff\xda")  # start of scan: headers before, entropy data after
    gif = gif_bytes(1, 48, 48)
    webp = webp_bytes(False, 64, 64)
    return (
        _refuse("empty", "empty.png", b"", 400, "empty_file"),
        # not an accepted image at all
        _refuse("text-as-png", "notes.png", b"hello, this is plain text, not an image\n", 415, U),
        _refuse(
            "html-as-png",
            "page.png",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n",
            415,
            U,
        ),
        _refuse("php-as-png", "shell.png", b"<?php system($_GET['c']); ?>\n", 415, U),
        _refuse("pdf-as-png", "doc.png", _minimal_pdf(), 415, U),
        _refuse("zip-as-png", "archive.png", _zip_with_png(), 415, U),
        _refuse("svg-script", "image.svg", _SVG_SCRIPT, 415, U),
        _refuse("svg-script-as-png", "image.png", _SVG_SCRIPT, 415, U),
        _refuse("bmp", "image.bmp", _save(_rgb(16, 16), "BMP"), 415, U),
        _refuse("tiff", "image.tiff", _save(_rgb(16, 16), "TIFF"), 415, U),
        _refuse("ico", "favicon.ico", _save(_rgb(16, 16), "ICO", sizes=[(16, 16)]), 415, U),
        _refuse("random-bytes", "noise.png", _garbage(2048, 1), 415, U),
        # signature present but Pillow's open() itself fails -> unidentified
        _refuse("png-sig-garbage", "sig.png", PNG_SIG + _garbage(1024, 2), 415, U),
        _refuse("jpeg-soi-garbage", "sig.jpg", b"\xff\xd8\xff" + _garbage(1024, 3), 415, U),
        _refuse("png-bad-ihdr-crc", "badcrc.png", _png_bad_ihdr_crc(png), 415, U),
        # recognised as PNG/JPEG/GIF/WebP, but broken
        _refuse("png-truncated", "cut.png", png[: len(png) // 2], 415, C),
        _refuse("jpeg-truncated", "cut.jpg", jpg[: len(jpg) // 2], 415, C),  # in scan data
        _refuse("jpeg-truncated-header", "cut2.jpg", jpg[: sos // 2], 415, C),  # in DQT/DHT
        _refuse("gif-truncated", "cut.gif", gif[: len(gif) // 2], 415, C),
        _refuse("webp-truncated", "cut.webp", webp[: len(webp) // 2], 415, C),
        _refuse("png-idat-flip", "flip.png", _png_flip_idat(png, fix_crc=False), 415, C),
        _refuse("png-idat-flip-crc-fixed", "flip2.png", _png_flip_idat(png, fix_crc=True), 415, C),
        # decompression bombs / limits
        _refuse("png-bomb-100000x100000", "bomb.png", _png_header_only(100_000, 100_000), 413, BIG),
        _refuse("png-over-limit-10000x5001", "big.png", _png_header_only(10_000, 5_001), 413, BIG),
        _refuse(
            "gif-bomb-65535x65535",
            "bomb.gif",
            _gif_screen_bomb((65535, 65535), (65535, 65535)),
            413,
            BIG,
        ),
        _refuse(
            "gif-bomb-frame-only", "bomb2.gif", _gif_screen_bomb((1, 1), (65535, 65535)), 413, BIG
        ),
        _refuse("webp-bomb-16383x16383", "bomb.webp", _webp_vp8l_header_bomb(), 413, BIG),
        _refuse("gif-1500-frames", "frames.gif", _gif_many_frames(1500), 413, FRAMES),
        # within the pixel and frame limits, but decoding would hold ~400 MB (issue 16)
        _refuse("gif-canvas-7000x7000-10-frames", "canvas.gif", gif_canvas_bomb(), 413, BIG),
        _refuse(
            "png-rgba-7000x7000-flat", "flat-rgba.png", png_flat(7000, 7000, "RGBA"), 413, BIG
        ),
    )


def accepted_cases() -> list[Case]:
    return list(_accepted())


def refused_cases() -> list[Case]:
    return list(_refused())


def all_cases() -> list[Case]:
    return accepted_cases() + refused_cases()


@functools.cache
def _hostile_names() -> tuple[tuple[str, str], ...]:
    return (
        ("../../etc/passwd.png", "relative path traversal (posix)"),
        ("..\\..\\win.ini.png", "relative path traversal (windows)"),
        ("/abs/path.png", "absolute posix path"),
        ("C:\\Windows\\System32\\evil.png", "absolute windows path with drive"),
        ("<script>alert(1)</script>.png", "html/script injection"),
        ("\"'><img src=x onerror=alert(1)>.png", "attribute-breaking quotes"),
        ("a" * 396 + ".png", "400-character name"),
        ("\u202egnp.exe", "RLO bidi override: displays as exe.png"),
        ("cat\u202e.png", "RLO bidi override before extension"),
        ("photo\u2066.png\u2069", "bidi isolate characters"),
        ("evil\x00.png", "embedded NUL byte"),
        ("line\nbreak.png", "embedded newline"),
        ("carriage\rreturn.png", "embedded carriage return"),
        ("\x1b[31mred\x1b[0m.png", "ANSI escape sequence"),
        ("tab\there.png", "embedded tab"),
        ("", "empty string"),
        (".", "single dot"),
        ("..", "double dot"),
        ("CON.png", "reserved windows device name with extension"),
        ("NUL", "reserved windows device name"),
        ("aux.txt", "reserved windows device name, lower case"),
        ("com1.jpg", "reserved windows COM port name"),
        ("  leading-spaces.png", "leading spaces"),
        ("trailing-spaces.png  ", "trailing spaces"),
        ("trailing-dots.png...", "trailing dots"),
        ("...hidden.png", "leading dots (hidden file)"),
        ("     ", "only spaces"),
        ("zero\u200dwidth.png", "zero-width joiner"),
        ("\u200b", "only a zero-width space"),
        ("image." + "x" * 250, "very long extension"),
        ("archive.tar.gz.png", "multiple extensions"),
        ("shell.php.png", "double extension hiding php"),
        ("photo.png.exe", "executable behind image extension"),
        ("ﬁle.png", "compatibility ligature (NFKC changes it)"),
        ("e\u0301te\u0301.png", "combining accents (NFC changes it)"),
        ("😀🖼️.png", "emoji / astral plane"),
        ("%2e%2e%2fetc%2fpasswd.png", "url-encoded traversal"),
        ("name:stream.png", "NTFS alternate data stream colon"),
        ("a/b\\c.png", "mixed separators"),
    )


def hostile_names() -> list[tuple[str, str]]:
    """(raw client filename, short description) for name-sanitising tests."""
    return list(_hostile_names())


# --------------------------------------------------------------------------
# Reference validator
# --------------------------------------------------------------------------


def decode_estimate(im: Image.Image) -> int:
    """Bytes decoding ``im`` holds at its peak, as ``images.decoding`` estimates
    it (docs/security.md): pixels x bytes per pixel of the decoded mode x
    canvases kept, plus a full-size copy for modes previews must convert."""
    fixed = 16 * 2**20
    width, height = im.size
    frames = getattr(im, "n_frames", 1)
    per_pixel = 1 if im.mode in ("1", "L", "P") else 2 if im.mode.startswith("I;16") else 4
    copy = 0 if im.mode in ("L", "RGB") else 4
    if im.format == "JPEG":
        scale = next((d for d in (8, 4, 2) if min(width // 640, height // 640) >= d), 1)
        return fixed + -(-width // scale) * -(-height // scale) * (per_pixel + copy)
    if im.format == "WEBP":
        return fixed + width * height * 17
    if frames > 1:
        return fixed + width * height * (13 if im.format == "GIF" else 3 * per_pixel)
    return fixed + width * height * (per_pixel + copy)


def reference_outcome(
    data: bytes,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_frames: int = DEFAULT_MAX_FRAMES,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
) -> tuple[int, str | None]:
    """(status, error code) that the documented pipeline yields for ``data``."""
    if not data:
        return 400, "empty_file"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            try:
                im = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
            except UnidentifiedImageError:
                return 415, "unsupported_image"
            with im:
                width, height = im.size
                if width * height > max_pixels:
                    return 413, "image_too_large"
                n_frames = getattr(im, "n_frames", 1)
                if n_frames > max_frames:
                    return 413, "too_many_frames"
                if decode_estimate(im) > max_decode_bytes:
                    return 413, "image_too_large"
                im.verify()
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as im:
                for i in range(n_frames):
                    im.seek(i)
                    im.load()
        except Image.DecompressionBombError:
            return 413, "image_too_large"
        except Exception:  # noqa: BLE001 - any verify/seek/load failure is corruption
            return 415, "corrupt_image"
    return 201, None


def _detected(data: bytes) -> tuple[str | None, int | None, int | None]:
    mime = {"PNG": PNG, "JPEG": JPEG, "GIF": GIF, "WEBP": WEBP}
    with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as im:
        turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        return mime.get(im.format), *(im.size[::-1] if turned else im.size)


def _self_check() -> int:
    import time

    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    t0 = time.perf_counter()
    cases = all_cases()
    names = hostile_names()
    build = time.perf_counter() - t0

    failures = []
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        failures.append("duplicate case ids")
    print(f"{'id':32} {'file':24} {'bytes':>7}  expect        reference")
    t1 = time.perf_counter()
    for c in cases:
        got = reference_outcome(c.data)
        ok = got == (c.status, c.code)
        if c.status == 201 and ok:
            det = _detected(c.data)
            if det != (c.content_type, c.width, c.height):
                ok = False
                got = (*got, *det)
        if c.status != 201 and (c.content_type, c.width, c.height) != (None, None, None):
            ok = False
        if len(c.data) > 200_000:
            failures.append(f"{c.id}: {len(c.data)} bytes > 200 KB")
        mark = "ok " if ok else "BAD"
        print(
            f"{c.id:32} {c.filename[:24]:24} {len(c.data):7d}  "
            f"{c.status} {c.code!s:17} {mark} {got if not ok else ''}"
        )
        if not ok:
            failures.append(f"{c.id}: expected {(c.status, c.code)}, reference {got}")
    check = time.perf_counter() - t1
    print(
        f"\n{len(accepted_cases())} accepted, {len(refused_cases())} refused, "
        f"{len(names)} hostile names; build {build:.3f}s, reference check {check:.3f}s"
    )
    if build > 3:
        failures.append(f"building took {build:.2f}s (> 3 s)")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(_self_check())
