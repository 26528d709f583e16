"""Decoding amplification (issue 16): tiny files that ask for huge canvases.

    .venv/bin/python bench/amplification.py [--json results.json]

Starts one daphne as production runs it (DEBUG off, its own SQLite database
and media folder in a temporary directory, default limits) and measures, from
outside, what each hostile file of tests/corpus.py costs it: answer, seconds,
the process's peak resident memory above idle (VmRSS sampled every 5 ms, and
VmHWM) and its resident memory one second after the answer — whether the
memory was given back. Then 16 of them at once, and one no-JS form post
(`POST /upload/`) carrying ten. Prints a Markdown table (docs/security.md
quotes it); a fresh server per scenario, so one does not inherit another's heap.

Second, the estimate behind MAX_DECODE_BYTES against reality: for files of
each format and mode, a fresh process validates the file and renders its
previews (`images.validation.inspect_image`, `images.renditions`), and its
peak resident memory above what it held before is set beside
`images.decoding.decode_bytes` for the same file.
"""

import argparse
import http.client
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import ROOT, Daphne, Processes, RssSampler, multipart, proc_status_kib  # noqa: E402

from tests.corpus import gif_canvas_bomb, png_bytes, png_flat  # noqa: E402
from tests.samples import heic_samples  # noqa: E402

AT_ONCE = 16
IN_ONE_FORM = 10


def hostile_files() -> dict[str, tuple[bytes, str, str]]:
    return {
        "GIF, 7000×7000 canvas, ten 1×1 frames": (gif_canvas_bomb(), "canvas.gif", "image/gif"),
        "PNG, 7000×7000 grey, one colour": (png_flat(7000, 7000, "L"), "flat.png", "image/png"),
        "PNG, 7000×7000 RGB, one colour": (png_flat(7000, 7000, "RGB"), "flat.png", "image/png"),
    }


def post(port, path, body, content_type, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        started = time.perf_counter()
        connection.request(
            "POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})}
        )
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def api_upload(port, data, filename, content_type):
    body, header = multipart(data, filename, content_type)
    return post(port, "/api/images/", body, header, {"Accept": "application/json"})


def form_upload(port, files):
    """What a browser without JavaScript sends: one form, every file, a CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/upload/")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    connection.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    boundary = "bench" + uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n".encode()
    ]
    for data, filename, content_type in files:
        parts += [
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode(),
            data,
            b"\r\n",
        ]
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    status, seconds = post(
        port,
        "/upload/",
        body,
        f"multipart/form-data; boundary={boundary}",
        {"Cookie": cookie, "Accept": "text/html", "Referer": f"http://127.0.0.1:{port}/upload/"},
    )
    return status, seconds, len(body)


def measured(server, work):
    """(answers, seconds, peak above idle MiB, RSS after minus idle MiB) of work()."""
    time.sleep(0.5)
    idle = proc_status_kib(server.pid, "VmRSS")
    with RssSampler(server.pid) as sampler:
        answers = work()
    time.sleep(1)
    after = proc_status_kib(server.pid, "VmRSS")
    peak = max(sampler.peak_kib, proc_status_kib(server.pid, "VmHWM"))
    return {
        "answers": answers,
        "peak_above_idle_mib": round((peak - idle) / 1024),
        "held_after_mib": round((after - idle) / 1024),
        "idle_mib": round(idle / 1024),
    }


def scenarios(files):
    for label, (data, filename, content_type) in files.items():
        yield f"one upload: {label} ({len(data):,} bytes)", lambda port, d=data, f=filename, c=(
            content_type
        ): [api_upload(port, d, f, c)]
    mixed = list(files.values())[:2]  # the two files of the issue

    def at_once(port):
        with ThreadPoolExecutor(AT_ONCE) as pool:
            return list(
                pool.map(lambda n: api_upload(port, *mixed[n % len(mixed)]), range(AT_ONCE))
            )

    yield f"{AT_ONCE} uploads at once (the GIF and the grey PNG in turn)", at_once
    gif = files["GIF, 7000×7000 canvas, ten 1×1 frames"]

    def one_form(port):
        status, seconds, size = form_upload(port, [gif] * IN_ONE_FORM)
        return [(status, seconds, size)]

    yield f"one form post with {IN_ONE_FORM} of the GIF (no JavaScript)", one_form


def run(settings: dict) -> list[dict]:
    files = hostile_files()
    rows = []
    with tempfile.TemporaryDirectory(prefix="lg-amplification-") as work:
        procs = Processes(Path(work) / "logs")
        try:
            for number, (label, scenario) in enumerate(scenarios(files)):
                folder = Path(work) / f"s{number}"
                env = {
                    **os.environ,
                    "DEBUG": "false",
                    "SECRET_KEY": secrets.token_urlsafe(40),
                    "ALLOWED_HOSTS": "127.0.0.1",
                    "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
                    "MEDIA_ROOT": str(folder / "media"),
                    "UPLOAD_RATE_LIMIT": "",
                    "LOG_LEVEL": "WARNING",
                    **settings,
                }
                env.pop("REDIS_URL", None)
                folder.mkdir()
                subprocess.run(
                    [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                    cwd=ROOT, env=env, check=True,
                )
                server = Daphne(procs, f"daphne-{number}", env)
                api_upload(server.port, png_bytes(), "warm-up.png", "image/png")
                result = measured(server, lambda s=server, run=scenario: run(s.port))
                server.stop()
                rows.append({"scenario": label, **result})
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        finally:
            procs.stop_all()
    return rows


def calibration_files() -> dict[str, Path]:
    """Files of every format and decoded mode, 6000 × 4000 (24 megapixels),
    made once and cached beside bench/media.py's (bench/results/cache/)."""
    from media import GENERATOR, _cached, _encode, photo

    size = (6000, 4000)

    def picture():
        return photo(size, seed=3)

    def frames(mode):
        return [photo(size, seed=n).convert(mode) for n in range(3)]

    def animation(fmt, mode, **options):
        first, *rest = frames(mode)
        return _encode(first, fmt, save_all=True, append_images=rest, **options)

    def grey16():
        return picture().convert("L").convert("I").point(lambda v: v * 257).convert("I;16")

    makers = {
        "PNG grey (L)": lambda: _encode(picture().convert("L"), "PNG"),
        "PNG RGB": lambda: _encode(picture(), "PNG"),
        "PNG RGBA": lambda: _encode(picture().convert("RGBA"), "PNG"),
        "PNG palette (P)": lambda: _encode(picture().quantize(64), "PNG"),
        "PNG 16-bit grey": lambda: _encode(grey16(), "PNG"),
        "JPEG (decoded at reduced scale)": lambda: _encode(picture(), "JPEG", quality=90),
        "GIF still": lambda: _encode(picture().quantize(64), "GIF"),
        "GIF, 3 frames": lambda: _encode(
            frames("RGB")[0].quantize(64), "GIF", save_all=True,
            append_images=[f.quantize(64) for f in frames("RGB")[1:]],
        ),
        "APNG RGBA, 3 frames": lambda: animation("PNG", "RGBA"),
        "WebP still": lambda: _encode(picture(), "WEBP", quality=80),
        "WebP, 3 frames": lambda: animation("WEBP", "RGB"),
        "AVIF (made here from the photo)": lambda: _encode(picture(), "AVIF", quality=60),
    }
    files = {
        label: _cached(f"{GENERATOR}-amplification-{n}-6000x4000.bin", make)
        for n, (label, make) in enumerate(makers.items())
    }
    # Real camera and phone files: the HEIC decoders' cost depends on them.
    heic = heic_samples()
    files["HEIC 8-bit, phone (pug.heic, 4032 × 3024)"] = heic["pug.heic"]
    files["HEIF 10-bit, camera (guitar_cw90.hif, 4672 × 7008)"] = heic["guitar_cw90.hif"]
    return files


def measure_one(path: str) -> dict:
    """In this (fresh) process: decode `path` as an upload does; estimate and peak."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    django.setup()
    from PIL import Image as PILImage

    from images.decoding import decode_bytes
    from images.formats import by_pillow_format
    from images.renditions import render
    from images.validation import inspect_image

    with PILImage.open(path) as picture:
        getattr(picture, "n_frames", 1)
        image_format = by_pillow_format(picture.format)
        estimate = decode_bytes(picture, image_format)
        # Loads the format's plugins and encoders first, so that they are not measured.
        warm_up = io.BytesIO()
        picture.copy().resize((8, 8)).save(warm_up, picture.format)
    info = inspect_image(warm_up, size=len(warm_up.getvalue()))
    render(warm_up, info.image_format)
    # Start the peak (VmHWM) afresh from here: the warm-up decoded the whole file.
    Path("/proc/self/clear_refs").write_text("5")
    before = proc_status_kib(os.getpid(), "VmRSS")
    started = time.perf_counter()
    # A file on disk, as Django spools an upload over 2 MiB.
    with open(path, "rb") as file:
        info = inspect_image(file, size=os.path.getsize(path))
        render(file, info.image_format)
    seconds = time.perf_counter() - started
    peak = proc_status_kib(os.getpid(), "VmHWM")
    return {
        "estimate": estimate, "peak": (peak - before) * 1024, "seconds": seconds,
        "pixels": info.width * info.height,
    }


def calibration(env: dict) -> list[dict]:
    rows = []
    for label, path in calibration_files().items():
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"measuring {label} failed:\n{done.stderr[-2000:]}")
        rows.append({"file": label, "bytes": path.stat().st_size, **json.loads(done.stdout)})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def calibration_table(rows) -> str:
    lines = [
        "| file (6000 × 4000 unless named) | estimate (decode_bytes) | measured peak "
        "| measured, bytes a pixel |",
        "|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['file']} | {row['estimate'] / 2**20:.0f} MiB | {row['peak'] / 2**20:.0f} MiB "
            f"| {row['peak'] / row['pixels']:.1f} |"
        )
    return "\n".join(lines)


def table(rows) -> str:
    lines = [
        "| scenario | answers | slowest answer | peak memory above idle | still held 1 s later |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        statuses = {}
        for status, *_ in row["answers"]:
            statuses[status] = statuses.get(status, 0) + 1
        answers = ", ".join(f"{count}× {status}" for status, count in sorted(statuses.items()))
        slowest = max(seconds for _, seconds, *_ in row["answers"])
        lines.append(
            f"| {row['scenario']} | {answers} | {slowest:.2f} s | "
            f"{row['peak_above_idle_mib']} MiB | {row['held_after_mib']} MiB |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", choices=["uploads", "estimate"], help="one of the two parts"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="a setting for the server, e.g. --set MAX_DECODE_BYTES=0",
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_one(args.measure)))
        return
    settings = dict(item.split("=", 1) for item in args.set)
    env = {**os.environ, "DEBUG": "true", "MAX_DECODE_BYTES": str(2**40),
           "MAX_UPLOAD_SIZE": str(2**30), **settings}
    results = {}
    if args.only in (None, "uploads"):
        results["uploads"] = run(settings)
    if args.only in (None, "estimate"):
        results["estimate"] = calibration(env)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if "uploads" in results:
        print("\n" + table(results["uploads"]))
    if "estimate" in results:
        print("\n" + calibration_table(results["estimate"]))


if __name__ == "__main__":
    main()
