"""5b. Resumable uploads (tus) against one-shot uploads: memory and time.

Memory: for each server — daphne as `make run` serves everything, granian as
the compose stack's HTTP tier serves uploads — and each way of uploading —
one-shot `POST /api/images/`, or tus (`POST /api/uploads/`, then PATCHes of
UPLOAD_CHUNK_SIZE bytes on one keep-alive connection) — a fresh server
process: idle VmRSS after one warm-up upload, then 8 uploads of the ~20 MiB
JPEG at once while VmRSS is sampled every 5 ms; VmHWM afterwards.

Time: on one server of each kind, the same file uploaded one way then the
other, alternating, a few rounds: the p50 of each and their ratio.
"""

import http.client
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from lib import RssSampler, proc_status_kib, summary_ms, upload
from media import tiny_png
from uploads import files

AT_ONCE = 8
CHUNK = 4 * 1024 * 1024  # UPLOAD_CHUNK_SIZE's default
ROUNDS = 5
TUS = {"Tus-Resumable": "1.0.0"}
SERVERS = ("daphne", "granian")


def tus_upload(port: int, data: bytes, timeout: float = 300) -> float:
    """One upload through tus, chunk by chunk on one connection: seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        length = {"Upload-Length": str(len(data))}
        connection.request("POST", "/api/uploads/", headers={**TUS, **length})
        created = connection.getresponse()
        created.read()
        if created.status != 201:
            raise RuntimeError(f"tus creation answered {created.status}")
        path = urlsplit(created.getheader("Location")).path
        for offset in range(0, len(data), CHUNK):
            headers = {**TUS, "Upload-Offset": str(offset),
                       "Content-Type": "application/offset+octet-stream"}
            connection.request("PATCH", path, body=data[offset:offset + CHUNK], headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            if answer.status != 204:
                raise RuntimeError(f"tus PATCH at {offset}: {answer.status} {body[:200]!r}")
        if not answer.getheader("Image-Id"):
            raise RuntimeError("the last PATCH named no image")
        return time.perf_counter() - started
    finally:
        connection.close()


def one_shot_upload(port: int, data: bytes, name: str, timeout: float = 300) -> float:
    return upload(port, data, name, "image/jpeg", timeout=timeout)[0]


def start(ctx, kind: str, name: str):
    settings = {"SERVE_STATIC": "true", "UPLOAD_CHUNK_SIZE": str(CHUNK)}
    if kind == "daphne":
        return ctx.daphne(name, **settings)
    return ctx.tier(name, "http", **settings)


def memory(ctx, kind: str, way: str, data: bytes) -> dict:
    server = start(ctx, kind, f"resumable-memory-{kind}-{way}")
    upload(server.port, tiny_png(1), "memory-warm-up.png", "image/png")
    time.sleep(1)
    idle = proc_status_kib(server.pid, "VmRSS")
    if way == "tus":
        send = lambda n: tus_upload(server.port, data)  # noqa: E731
    else:
        send = lambda n: one_shot_upload(server.port, data, f"memory-{n}.jpg")  # noqa: E731
    with RssSampler(server.pid) as sampler, ThreadPoolExecutor(AT_ONCE) as pool:
        seconds = list(pool.map(send, range(AT_ONCE)))
    hwm = proc_status_kib(server.pid, "VmHWM")
    peak = max(sampler.peak_kib, hwm)
    server.stop()
    return {
        "idle_rss_mib": round(idle / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_above_idle_mib": round((peak - idle) / 1024, 1),
        "samples": sampler.samples,
        "upload_ms": summary_ms(seconds),
    }


def timing(ctx, kind: str, data: bytes) -> dict:
    server = start(ctx, kind, f"resumable-time-{kind}")
    one_shot_upload(server.port, data, "time-warm-up.jpg")
    tus_upload(server.port, data)
    one_shot, tus = [], []
    for n in range(ROUNDS):
        one_shot.append(one_shot_upload(server.port, data, f"time-{n}.jpg"))
        tus.append(tus_upload(server.port, data))
    server.stop()
    return {
        "rounds": ROUNDS,
        "one_shot_ms": summary_ms(one_shot),
        "tus_ms": summary_ms(tus),
        "ratio_tus_vs_one_shot": round(statistics.median(tus) / statistics.median(one_shot), 2),
    }


def run(ctx) -> dict:
    path, _, _ = files(ctx)["jpeg_20m"]
    data = path.read_bytes()
    results = {"file_bytes": len(data), "chunk_bytes": CHUNK, "uploads_at_once": AT_ONCE,
               "memory": {}, "time": {}}
    for kind in SERVERS:
        results["memory"][kind] = {way: memory(ctx, kind, way, data) for way in ("one_shot", "tus")}
        results["time"][kind] = timing(ctx, kind, data)
    return results
