"""7. Media on S3 (moto's standalone server) against media on disk.

Two apps on the same PostgreSQL, one with MEDIA_ROOT, one with S3_BUCKET on a
private moto_server; each behind nginx with the project's config (disk:
files from the media folder; S3: the cache of the app's answers,
deploy/nginx/templates/live-gallery-media-s3.inc.template).

- uploads: POST /api/images/ to each app, a 100 KB PNG and a 5 MB JPEG,
  alternated in small batches; p50 latency.
- warm bytes: `wrk -t2 -c32` on one ~480 KB image through each nginx, beside
  the same file as plain static and nginx → app with no cache (every
  request to the app, which streams from S3), alternated.
- cold bytes: the first request for each of COLD images through each nginx
  (for S3 every one is a cache miss: nginx → app → S3), sequential.
- delete: an image and its previews read through the S3 nginx (cached), then
  deleted; seconds from the 204 until every one of its addresses answers 404.

moto is an in-memory S3 on the same 2 cores: it stands for the network and
the object store, not for AWS's latency.
"""

import socket
import statistics
import time
import uuid

import boto3
from botocore.config import Config
from lib import BIN, KeepAlive, alternate, free_port, get, summary_ms, upload, wait_until, wrk
from media import png_near
from nginx import Nginx

COLD = 30
DELETES = 5
UPLOAD_ROUNDS = 4
UPLOAD_BATCH = 3


def moto(ctx) -> tuple[str, str]:
    port = free_port()
    ctx.procs.start("moto", [BIN / "moto_server", "-H", "127.0.0.1", "-p", port])
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench",
        config=Config(s3={"addressing_style": "path"}),
    )
    wait_until(lambda: socket.create_connection(("127.0.0.1", port), 1).close() or True, "moto")
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return endpoint, bucket


def upload_latency(disk, s3, images) -> dict:
    results = {}
    for label, (path, content_type, ext) in images.items():
        data = path.read_bytes()
        names = (f"s3-bench-{label}-{n}.{ext}" for n in range(10_000))
        timings = {"disk": [], "s3": []}
        for server in (disk, s3):
            upload(server.port, data, next(names), content_type)  # warm-up
        for _ in range(UPLOAD_ROUNDS):
            for backend, server in (("disk", disk), ("s3", s3)):
                for _ in range(UPLOAD_BATCH):
                    timings[backend].append(upload(server.port, data, next(names), content_type)[0])
        results[label] = {
            "bytes": len(data),
            "disk_ms": summary_ms(timings["disk"]),
            "s3_ms": summary_ms(timings["s3"]),
            "ratio_s3_vs_disk": round(
                statistics.median(timings["s3"]) / statistics.median(timings["disk"]), 2
            ),
        }
    return results


def cold(port: int, ids: list[int]) -> dict:
    client = KeepAlive(port)
    try:
        seconds = [client.timed_get(f"/image/{image_id}") for image_id in ids]
    finally:
        client.close()
    return summary_ms(seconds)


def gone_after_delete(ctx, s3_app, web, data) -> dict:
    """Seconds from the delete's 204 until no address of the image answers through nginx."""
    waits = []
    for n in range(DELETES):
        _, _, _, image = upload(s3_app.port, data, f"s3-delete-{n}.png", "image/png")
        paths = [f"/image/{image['id']}", *(f"/image/{image['id']}/w{w}.webp" for w in (320, 640))]
        for path in paths * 2:  # the second round is served from nginx's cache
            status, headers, _ = get(web.port, path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status} through nginx")
        if headers.get("x-cache-status") != "HIT":
            raise RuntimeError(f"the S3 nginx did not cache {path}: {headers}")
        status, _, _ = get(
            s3_app.port, f"/api/images/{image['id']}/",
            {"Authorization": f"Bearer {image['delete_token']}"}, method="DELETE",
        )
        deleted = time.monotonic()
        if status != 204:
            raise RuntimeError(f"delete answered {status}")
        while any(get(web.port, path)[0] != 404 for path in paths):
            if time.monotonic() - deleted > 30:
                raise RuntimeError("a deleted image was still served after 30 s")
            time.sleep(0.05)
        waits.append(time.monotonic() - deleted)
    return {"deletes": DELETES, "max_s": round(max(waits), 2), "median_s": round(
        statistics.median(waits), 2)}


def run(ctx) -> dict:
    import uploads

    endpoint, bucket = moto(ctx)
    s3_settings = {
        "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench",
    }
    common = {"SERVE_STATIC": "false", "TRUST_PROXY_HEADERS": "true"}
    disk_app = ctx.daphne("s3-disk-app", **common)
    s3_app = ctx.daphne("s3-s3-app", **common, **s3_settings)
    files = uploads.files(ctx)
    results = {"uploads": upload_latency(
        disk_app, s3_app, {k: files[k] for k in ("png_100k", "jpeg_5m")})}

    plain = ctx.work / "s3-plain"
    plain.mkdir(exist_ok=True)
    source = png_near(500_000, 640, 800)
    data = source.read_bytes()
    (plain / "photo.png").write_bytes(data)
    options = dict(media=ctx.media_root, static=ctx.static_root, plain=plain,
                   max_upload=ctx.max_upload)
    web_disk = Nginx(ctx.procs, ctx.work, upstream=f"127.0.0.1:{disk_app.port}",
                     name="nginx-disk", **options)
    web_s3 = Nginx(ctx.procs, ctx.work, upstream=f"127.0.0.1:{s3_app.port}",
                   media_source="s3", name="nginx-s3", **options)
    # The disk config in front of the S3 app: no file, so every request goes
    # to the app (the design without a cache, for comparison).
    web_uncached = Nginx(ctx.procs, ctx.work, upstream=f"127.0.0.1:{s3_app.port}",
                         name="nginx-s3-uncached", **options)
    ctx.servers += [web_disk, web_s3, web_uncached]

    disk_id = upload(disk_app.port, data, "s3-bench-disk.png", "image/png")[3]["id"]
    s3_id = upload(s3_app.port, data, "s3-bench-s3.png", "image/png")[3]["id"]
    for port, image_id in ((web_disk.port, disk_id), (web_s3.port, s3_id)):
        status, _, body = get(port, f"/image/{image_id}")
        if status != 200 or body != data:
            raise RuntimeError(f"nginx on {port} did not serve the stored bytes")
    w = dict(threads=2, connections=32, duration=ctx.duration)
    arms = {
        "nginx_static": lambda: wrk(f"http://127.0.0.1:{web_disk.plain_port}/photo.png", **w),
        "nginx_disk": lambda: wrk(f"http://127.0.0.1:{web_disk.port}/image/{disk_id}", **w),
        "nginx_s3_cached": lambda: wrk(f"http://127.0.0.1:{web_s3.port}/image/{s3_id}", **w),
        "nginx_s3_uncached": lambda: wrk(
            f"http://127.0.0.1:{web_uncached.port}/image/{s3_id}", **w),
    }
    warm = alternate(arms, ctx.runs)
    disk_rps = warm["nginx_disk"]["median_rps"]
    results["warm"] = {
        "file_bytes": len(data),
        "arms": warm,
        "ratio_s3_cached_vs_disk": round(warm["nginx_s3_cached"]["median_rps"] / disk_rps, 3),
        "ratio_s3_uncached_vs_disk": round(
            warm["nginx_s3_uncached"]["median_rps"] / disk_rps, 3),
        "ratio_disk_vs_static": round(disk_rps / warm["nginx_static"]["median_rps"], 3),
    }

    disk_ids = [upload(disk_app.port, data, f"cold-disk-{n}.png", "image/png")[3]["id"]
                for n in range(COLD)]
    s3_ids = [upload(s3_app.port, data, f"cold-s3-{n}.png", "image/png")[3]["id"]
              for n in range(COLD)]
    results["cold"] = {
        "images": COLD,
        "file_bytes": len(data),
        "disk_ms": cold(web_disk.port, disk_ids),
        "s3_ms": cold(web_s3.port, s3_ids),
        "s3_warm_ms": cold(web_s3.port, s3_ids),
    }
    results["delete"] = gone_after_delete(ctx, s3_app, web_s3, data)
    return results
