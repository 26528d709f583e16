"""1c. Previews against libvips: what making both previews of an upload costs.

A 12-megapixel camera-like JPEG (4000×3000 at quality 90, EXIF orientation 6:
shown as 3000×4000) and a 6-megapixel photo PNG (3000×2000, ~9 MB), made by
bench/media.py. Ours: `images.renditions.render` in a helper process, as an
upload calls it: one decode, both WebP previews and the placeholder. libvips:
Debian's `vipsthumbnail`, once per width (one run makes one size) with the
same width bound, WebP quality and effort (`--size <w>x -o
out.webp[Q=…,effort=…,strip]`), as it runs by default (a thread per CPU) and
with VIPS_CONCURRENCY=1 (one thread, as ours); and its process start-up
alone (the same two runs on a 64×64 PNG), so the codec's share can be told
apart. The arms alternate, ROUNDS rounds, medians.

Quality: PSNR of each 640w preview against a reference made from the whole
file decoded at full size, turned, and shrunk by Lanczos to the same size.

Animations: a whole `image_create` (validation decodes every frame, then the
previews, the animated one, the files and the row) of GIFs of 400×300 frames:
one frame, 50 frames, and a hostile 1,000 (the animated preview takes at most
50 of them, images.animation).
"""

import io
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from media import animated_gif, camera_jpeg, large_png
from PIL import Image, ImageChops, ImageOps, ImageStat

ROUNDS = 7
WIDTHS = (320, 640)


def psnr(reference, candidate) -> float:
    """Peak signal-to-noise ratio over R, G and B, in dB."""
    if candidate.size != reference.size:
        reference = reference.resize(candidate.size, Image.Resampling.LANCZOS)
    difference = ImageChops.difference(reference, candidate.convert("RGB"))
    squares = ImageStat.Stat(difference).sum2
    mse = sum(squares) / (reference.width * reference.height * len(squares))
    return math.inf if mse == 0 else round(10 * math.log10(255**2 / mse), 1)


def reference(path: Path, size) -> Image.Image:
    with Image.open(path) as picture:
        upright = ImageOps.exif_transpose(picture.convert("RGB"))
    return upright.resize(size, Image.Resampling.LANCZOS)


def vips(path: Path, out: Path, quality: int, effort: int, threads: int | None = None) -> float:
    """Both widths, one vipsthumbnail run each: seconds."""
    env = {**os.environ, "VIPS_CONCURRENCY": str(threads)} if threads else None
    started = time.perf_counter()
    for width in WIDTHS:
        subprocess.run(
            [
                shutil.which("vipsthumbnail"), str(path), "--size", f"{width}x",
                "-o", f"{out}/v{width}.webp[Q={quality},effort={effort},strip]",
            ],
            check=True,
            env=env,
        )
    return time.perf_counter() - started


def one_file(helper, path: Path, content_type: str, work: Path, tiny: Path) -> dict:
    ours_dir, vips_dir, scratch = work / "ours", work / "vips", work / "scratch"
    for folder in (ours_dir, vips_dir, scratch):
        folder.mkdir(exist_ok=True)
    first = helper.call("previews", path=str(path), content_type=content_type, keep=str(ours_dir))
    quality, effort = first["quality"], first["method"]
    arms = {"ours": [], "vips": [], "vips, 1 thread": [], "vips start-up": []}
    for _ in range(ROUNDS):
        arms["ours"].append(
            helper.call("previews", path=str(path), content_type=content_type)["seconds"]
        )
        arms["vips"].append(vips(path, vips_dir, quality, effort))
        arms["vips, 1 thread"].append(vips(path, scratch, quality, effort, threads=1))
        arms["vips start-up"].append(vips(tiny, scratch, quality, effort))
    ms = {arm: round(statistics.median(values) * 1000, 1) for arm, values in arms.items()}
    codec = ms["vips"] - ms["vips start-up"]

    widest = max(WIDTHS)
    with Image.open(ours_dir / f"w{widest}.webp") as ours, \
            Image.open(vips_dir / f"v{widest}.webp") as theirs:
        ours.load()
        theirs.load()
        truth = reference(path, ours.size)
        quality_db = {"ours": psnr(truth, ours), "vips": psnr(truth, theirs)}
        sizes = {"ours": list(ours.size), "vips": list(theirs.size)}
    with Image.open(path) as picture:
        pixels = f"{picture.width}×{picture.height}"
    return {
        "file_bytes": path.stat().st_size,
        "pixels": pixels,
        "quality": quality,
        "effort": effort,
        "ms": ms,
        "runs_ms": {arm: [round(v * 1000, 1) for v in values] for arm, values in arms.items()},
        "ratio": round(ms["ours"] / ms["vips"], 2),
        "ratio_one_thread": round(ms["ours"] / ms["vips, 1 thread"], 2),
        "ratio_codec": round(ms["ours"] / codec, 2) if codec > 0 else None,
        "sizes_640": sizes,
        "bytes": {
            "ours": first["bytes"],
            "vips": {str(w): (vips_dir / f"v{w}.webp").stat().st_size for w in WIDTHS},
        },
        "psnr_640_db": quality_db,
    }


def animations(helper) -> dict:
    """`image_create` (validation, previews, the animated one, the row, the files)
    of GIFs of 400×300 frames: a still one, 50 frames, and a hostile 1,000."""
    answer = {}
    for frames in (1, 50, 1000):
        path = animated_gif(frames)
        seconds = []
        for n in range(ROUNDS):
            seconds.append(helper.call(
                "create", path=str(path), name=f"anim-{frames}-{n}.gif", content_type="image/gif"
            )["seconds"])
        answer[str(frames)] = {
            "file_bytes": path.stat().st_size,
            "ms": round(statistics.median(seconds) * 1000, 1),
        }
    return answer


def run(ctx) -> dict:
    helper = ctx.helper("previews")
    with tempfile.TemporaryDirectory(dir=ctx.work) as folder:
        work = Path(folder)
        tiny = work / "tiny.png"
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), (90, 120, 150)).save(buffer, "PNG")
        tiny.write_bytes(buffer.getvalue())
        results = {}
        for label, path, content_type in (
            ("jpeg", camera_jpeg(), "image/jpeg"),
            ("png", large_png(), "image/png"),
        ):
            (work / label).mkdir()
            results[label] = one_file(helper, path, content_type, work / label, tiny)
    results["animations"] = animations(helper)
    results["rounds"] = ROUNDS
    results["worst_ratio"] = max(results[label]["ratio"] for label in ("jpeg", "png"))
    return results
