"""Photo-like test images, made with Pillow alone and cached between runs.

A photo is a two-colour gradient under luminance texture at several scales
(shared by the channels, like light and shade), coarse colour variation,
soft-edged textured objects and fine sensor grain. Texture at every scale
matters: a thumbnail of pure per-pixel noise or of a flat gradient would be
unrealistically small, and the gallery's byte budget is about thumbnails.
`detail` scales the texture, so a gallery holds busy and calm pictures.

Files are cached under bench/results/cache/ (git-ignored), keyed by
GENERATOR and parameters; delete the folder after changing the generator.
"""

import io
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

GENERATOR = "photo-v1"
CACHE = Path(__file__).resolve().parent / "results" / "cache"
BICUBIC = Image.Resampling.BICUBIC


def _noise(rnd: random.Random, size, sigma: float) -> Image.Image:
    """Uniform noise around 128 with standard deviation `sigma`, from `rnd` (reproducible)."""
    amplitude = sigma * 3**0.5
    noise = Image.frombytes("L", size, rnd.randbytes(size[0] * size[1]))
    return noise.point(lambda v: round(128 + (v / 127.5 - 1) * amplitude))


def _octave(rnd: random.Random, size, cells: int, sigma: float) -> Image.Image:
    w, h = size
    return _noise(rnd, (max(2, w // cells), max(2, h // cells)), sigma).resize(size, BICUBIC)


def photo(size=(3000, 2000), seed: int = 0, detail: float = 1.0, grain: float = 7) -> Image.Image:
    rnd = random.Random(seed)
    w, h = size
    work = (w // 4, h // 4)
    top = [rnd.randrange(40, 230) for _ in range(3)]
    bottom = [rnd.randrange(10, 160) for _ in range(3)]
    ramp = Image.linear_gradient("L").rotate(rnd.uniform(-25, 25), resample=BICUBIC)
    ramp = ramp.resize(work, BICUBIC)
    base = [
        ramp.point(lambda v, a=t, b=b: int(a + (b - a) * v / 255))
        for t, b in zip(top, bottom, strict=True)
    ]
    light = Image.new("L", work, 128)
    for cells, sigma in ((60, 50), (20, 35), (6, 22), (2, 14)):
        light = ImageChops.add(light, _octave(rnd, work, cells, sigma * detail), offset=-128)
    colour = [_octave(rnd, work, 40, 25) for _ in range(3)]
    picture = Image.merge(
        "RGB",
        [
            ImageChops.add(ImageChops.add(c, light, offset=-128), k, offset=-128)
            for c, k in zip(base, colour, strict=True)
        ],
    )
    for _ in range(rnd.randrange(4, 9)):
        mask = Image.new("L", work, 0)
        x, y = rnd.uniform(0, work[0]), rnd.uniform(0, work[1])
        r = rnd.uniform(work[0] * 0.05, work[0] * 0.25)
        ImageDraw.Draw(mask).ellipse((x - r, y - r * rnd.uniform(0.4, 1.2), x + r, y + r), fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(rnd.uniform(1, 6)))
        fill = Image.new("RGB", work, tuple(rnd.randrange(256) for _ in range(3)))
        texture = Image.merge("RGB", [_octave(rnd, work, rnd.choice((3, 8, 16)), 30 * detail)] * 3)
        picture = Image.composite(ImageChops.add(fill, texture, offset=-128), picture, mask)
    picture = picture.resize(size, BICUBIC)
    noise = _noise(rnd, size, grain)
    return ImageChops.add(picture, Image.merge("RGB", [noise] * 3), offset=-128)


def _encode(picture: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def _cached(key: str, make) -> Path:
    path = CACHE / key
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        data = make()
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.rename(path)
    return path


def gallery_photo(seed: int) -> Path:
    """A 3000×2000 camera-like JPEG (quality 92) of a few MB; detail varies with the seed."""
    detail = (0.5, 0.75, 1.0)[seed % 3]
    return _cached(
        f"{GENERATOR}-gallery-{seed}.jpg",
        lambda: _encode(photo((3000, 2000), seed, detail), "JPEG", quality=92),
    )


def gallery_photos(count: int) -> list[Path]:
    with ProcessPoolExecutor() as pool:
        return list(pool.map(gallery_photo, range(count)))


def _near(target: int, make_at_height, height: int) -> bytes:
    """Encode at `height` rows, then crop so the file lands within 4% under `target`
    (when the full height is too small, the file stays as it is)."""
    tallest = height
    data = make_at_height(height)
    for _ in range(4):
        if 0.96 * target <= len(data) <= target:
            break
        height = min(tallest, int(height * (0.98 * target / len(data))))
        data = make_at_height(height)
    if len(data) > target:
        raise RuntimeError(f"could not make an image of at most {target} bytes")
    return data


def jpeg_near(
    target: int, width: int, height: int, quality: int, grain: float, seed: int = 1
) -> Path:
    """A photo JPEG of just under `target` bytes, `width` wide."""

    def make():
        full = photo((width, height), seed, grain=grain)
        return _near(
            target, lambda h: _encode(full.crop((0, 0, width, h)), "JPEG", quality=quality), height
        )

    return _cached(f"{GENERATOR}-jpeg-{target}-{width}x{height}-q{quality}-g{grain}.jpg", make)


def png_near(target: int, width: int, height: int, seed: int = 2) -> Path:
    """A photo PNG of just under `target` bytes, `width` wide."""

    def make():
        full = photo((width, height), seed, grain=5)
        return _near(target, lambda h: _encode(full.crop((0, 0, width, h)), "PNG"), height)

    return _cached(f"{GENERATOR}-png-{target}-{width}x{height}.png", make)


def camera_jpeg() -> Path:
    """A 12-megapixel camera-like JPEG: 4000×3000 at quality 90, with an EXIF
    orientation that turns it to portrait (6), as phones write them."""

    def make():
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x010F] = "Bench"
        return _encode(photo((4000, 3000), seed=7), "JPEG", quality=90, exif=exif.tobytes())

    return _cached(f"{GENERATOR}-camera-4000x3000-q90-o6.jpg", make)


def large_png() -> Path:
    """A 6-megapixel photo saved as PNG (3000×2000, ~9 MB): PNG has no reduced decode."""
    return _cached(
        f"{GENERATOR}-large-3000x2000.png",
        lambda: _encode(photo((3000, 2000), seed=8, detail=0.75, grain=5), "PNG"),
    )


def animated_gif(frames: int, width: int = 400, height: int = 300) -> Path:
    """A GIF of `frames` full-canvas frames, 40 ms each: photo-like noise with a
    bar that moves, so no encoder can merge two frames."""

    def make():
        base = photo((width, height), seed=9).quantize(64)
        pictures = []
        for index in range(frames):
            picture = base.copy()
            x = index * 7 % width
            ImageDraw.Draw(picture).rectangle((x, 0, x + 12, height), fill=index % 64)
            pictures.append(picture)
        return _encode(
            pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=40, loop=0
        )

    return _cached(f"{GENERATOR}-anim-{frames}-{width}x{height}.gif", make)


def tiny_png(n: int) -> bytes:
    """A 64×64 PNG, different for every n: the cheapest real upload."""
    return _encode(Image.new("RGB", (64, 64), (n * 37 % 256, n * 91 % 256, 128)), "PNG")
