"""Which format for the full-size rendition of a HEIC photo? (docs/privacy.md, docs/api.md)

    .venv/bin/python bench/renditions.py [--json results.json]

Browsers other than Safari cannot show HEIC, so `/image/<id>` of a HEIC
upload serves a rendition made once at upload. Real phone and camera HEICs
(the sample images of pillow-heif's source distribution, fetched and cached
as the tests do) are decoded once, then encoded full size as JPEG, WebP and
AVIF at a few qualities each; for each: bytes (and bits per pixel), encoding
seconds, the process's peak memory growth while encoding, and PSNR against
the decoded HEIC (higher is closer; ~40 dB and up is hard to tell apart at
full size). Prints one Markdown table.
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import proc_status_kib  # noqa: E402

from tests.samples import heic_samples  # noqa: E402

CANDIDATES = {
    "JPEG q85": ("JPEG", {"quality": 85, "optimize": True}),
    "JPEG q90": ("JPEG", {"quality": 90, "optimize": True}),
    "WebP q80": ("WEBP", {"quality": 80, "method": 4}),
    "WebP q90": ("WEBP", {"quality": 90, "method": 4}),
    "AVIF q60": ("AVIF", {"quality": 60}),
    "AVIF q75": ("AVIF", {"quality": 75}),
}
PHOTOS = ("pug.heic", "xiaomi.heic", "aux_YCbCr.heic", "cat.hif")


def psnr(reference, candidate) -> float:
    """Peak signal-to-noise ratio over R, G and B, in dB."""
    from PIL import ImageChops, ImageStat

    difference = ImageChops.difference(reference, candidate.convert(reference.mode))
    squares = ImageStat.Stat(difference).sum2
    mse = sum(squares) / (reference.width * reference.height * len(squares))
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def measure(path: str, label: str) -> dict:
    """In a fresh process: one photo, one candidate."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    with Image.open(path) as heic:
        picture = heic.convert("RGB")
    fmt, options = CANDIDATES[label]
    Path("/proc/self/clear_refs").write_text("5")
    before = proc_status_kib(os.getpid(), "VmRSS")
    started = time.perf_counter()
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    seconds = time.perf_counter() - started
    peak = proc_status_kib(os.getpid(), "VmHWM") - before
    with Image.open(io.BytesIO(buffer.getvalue())) as encoded:
        quality = psnr(picture, encoded.convert("RGB"))
    return {
        "bytes": len(buffer.getvalue()),
        "bits_per_pixel": round(8 * len(buffer.getvalue()) / (picture.width * picture.height), 2),
        "seconds": round(seconds, 2),
        "peak_mib": round(peak / 1024),
        "psnr_db": round(quality, 1),
        "pixels": picture.width * picture.height,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    samples = heic_samples()
    rows = []
    for photo in PHOTOS:
        for label in CANDIDATES:
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(samples[photo]), label],
                capture_output=True, text=True, check=True,
            )
            rows.append({"photo": photo, "candidate": label, **json.loads(done.stdout)})
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    print("\n| candidate | bits per pixel (median) | PSNR dB (min–max) | encode s per megapixel "
          "| peak MiB per megapixel |\n|---|---|---|---|---|")
    for label in CANDIDATES:
        mine = [row for row in rows if row["candidate"] == label]
        bpp = sorted(row["bits_per_pixel"] for row in mine)[len(mine) // 2]
        db = [row["psnr_db"] for row in mine]
        speed = max(row["seconds"] / row["pixels"] * 1e6 for row in mine)
        memory = max(row["peak_mib"] / row["pixels"] * 1e6 for row in mine)
        print(f"| {label} | {bpp} | {min(db)}–{max(db)} | {speed:.2f} | {memory:.1f} |")


if __name__ == "__main__":
    main()
