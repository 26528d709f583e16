"""Small, pleasant test pictures (gradients and circles), the same for a seed."""

import io
import random

from PIL import Image, ImageDraw

PALETTES = [
    ((255, 183, 94), (237, 100, 166)),
    ((67, 206, 162), (24, 90, 157)),
    ((247, 151, 30), (255, 210, 0)),
    ((142, 45, 226), (74, 0, 224)),
    ((0, 180, 219), (0, 131, 176)),
    ((252, 70, 107), (63, 94, 251)),
    ((168, 224, 99), (86, 171, 47)),
    ((255, 126, 95), (254, 180, 123)),
]


def camera_exif(make: str = "Canon", model: str = "Canon EOS R6",
                taken: str = "2024:05:01 14:03:07", offset: str = "+02:00") -> Image.Exif:
    """The Exif of a camera's photo: when (its clock and offset) and which camera."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif.get_ifd(0x8769).update({0x9003: taken, 0x9011: offset})
    return exif


def picture(seed: int = 0, width: int = 480, height: int = 360, fmt: str = "PNG",
            exif: Image.Exif | None = None) -> bytes:
    rng = random.Random(seed)
    top, bottom = PALETTES[seed % len(PALETTES)]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    for _ in range(5):
        r = rng.randint(min(width, height) // 10, min(width, height) // 3)
        x, y = rng.randint(0, width), rng.randint(0, height)
        shade = tuple(min(255, c + 60) for c in top)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=shade, width=max(2, r // 8))
    out = io.BytesIO()
    options = {"quality": 88} if fmt == "JPEG" else {}
    if exif is not None:
        options["exif"] = exif
    image.save(out, fmt, **options)
    return out.getvalue()
