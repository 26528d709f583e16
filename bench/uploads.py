"""5. Uploads through POST /api/images/ against image_create itself, and memory.

Latency: HTTP uploads to daphne (PostgreSQL, no subscribers) alternate in
small batches with `images.services.image_create` called on the same file in
a helper process — the limit: validation, metadata, thumbnails, the row and
the file write, without HTTP, multipart parsing or daphne. Throughput: the
same files with 4 uploads in flight. Memory: a fresh daphne, idle VmRSS after
one warm-up upload, then 8 uploads of a ~20 MB JPEG at once while VmRSS is
sampled every 5 ms; VmHWM afterwards.
"""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from lib import RssSampler, proc_status_kib, summary_ms, upload
from media import jpeg_near, png_near, tiny_png

IN_FLIGHT = 4
AT_ONCE = 8


def files(ctx) -> dict:
    return {
        "png_100k": (png_near(100_000, 240, 400), "image/png", "png"),
        "jpeg_5m": (jpeg_near(5_000_000, 4000, 3000, quality=95, grain=9), "image/jpeg", "jpg"),
        "jpeg_20m": (
            jpeg_near(ctx.max_upload, 6000, 4000, quality=99, grain=16),
            "image/jpeg",
            "jpg",
        ),
    }


def latency(ctx, server, helper, path, content_type, ext, tag, rounds, batch) -> dict:
    data = path.read_bytes()
    http, bare = [], []
    names = (f"{tag}-{n}.{ext}" for n in range(10_000))
    upload(server.port, data, next(names), content_type)
    helper.call("create", path=str(path), name=next(names), content_type=content_type)
    for _ in range(rounds):
        for _ in range(batch):
            http.append(upload(server.port, data, next(names), content_type)[0])
        for _ in range(batch):
            bare.append(
                helper.call("create", path=str(path), name=next(names), content_type=content_type)[
                    "seconds"
                ]
            )
    return {
        "bytes": len(data),
        "http_ms": summary_ms(http),
        "bare_ms": summary_ms(bare),
        "ratio_http_vs_bare": round(statistics.median(http) / statistics.median(bare), 2),
    }


def throughput(server, path, content_type, ext, tag, count) -> dict:
    data = path.read_bytes()
    started = time.perf_counter()
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        seconds = list(
            pool.map(
                lambda n: upload(server.port, data, f"{tag}-{n}.{ext}", content_type)[0],
                range(count),
            )
        )
    wall = time.perf_counter() - started
    return {
        "uploads": count,
        "in_flight": IN_FLIGHT,
        "per_second": round(count / wall, 2),
        "mb_per_second": round(count * len(data) / wall / 1e6, 1),
        "latency_ms": summary_ms(seconds),
    }


def memory(ctx, path, content_type) -> dict:
    server = ctx.daphne("uploads-memory", SERVE_STATIC="true")
    upload(server.port, tiny_png(1), "memory-warm-up.png", "image/png")
    time.sleep(1)
    idle = proc_status_kib(server.pid, "VmRSS")
    data = path.read_bytes()
    with RssSampler(server.pid) as sampler, ThreadPoolExecutor(AT_ONCE) as pool:
        seconds = list(
            pool.map(
                lambda n: upload(server.port, data, f"memory-{n}.jpg", content_type, timeout=300)[
                    0
                ],
                range(AT_ONCE),
            )
        )
    time.sleep(1)
    after = proc_status_kib(server.pid, "VmRSS")
    hwm = proc_status_kib(server.pid, "VmHWM")
    peak = max(sampler.peak_kib, hwm)
    server.stop()
    return {
        "uploads_at_once": AT_ONCE,
        "file_bytes": len(data),
        "idle_rss_mib": round(idle / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_above_idle_mib": round((peak - idle) / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "samples": sampler.samples,
        "upload_ms": summary_ms(seconds),
    }


def run(ctx) -> dict:
    images = files(ctx)
    server = ctx.daphne("uploads", SERVE_STATIC="true")
    helper = ctx.helper("uploads-bare")
    png, png_type, png_ext = images["png_100k"]
    jpeg, jpeg_type, jpeg_ext = images["jpeg_5m"]
    results = {
        "latency": {
            "png_100k": latency(ctx, server, helper, png, png_type, png_ext, "lat-png", 5, 4),
            "jpeg_5m": latency(ctx, server, helper, jpeg, jpeg_type, jpeg_ext, "lat-jpeg", 8, 2),
        },
        "throughput": {
            "png_100k": throughput(server, png, png_type, png_ext, "tp-png", 40),
            "jpeg_5m": throughput(server, jpeg, jpeg_type, jpeg_ext, "tp-jpeg", 12),
        },
    }
    helper.stop()
    server.stop()
    big, big_type, _ = images["jpeg_20m"]
    results["memory"] = memory(ctx, big, big_type)
    return results
