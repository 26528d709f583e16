"""End-to-end checks of the running compose stack, from outside, through nginx.

    python smoke.py single --web http://127.0.0.1:18080 --app http://127.0.0.1:18000 \
        --live http://127.0.0.1:18002
    python smoke.py scale  --web http://127.0.0.1:18080 \
        --replica http://127.0.0.1:18000 --replica http://127.0.0.1:18001 \
        --live http://127.0.0.1:18002
    python smoke.py s3     --web http://127.0.0.1:18080 --app http://127.0.0.1:18000 \
        --s3 http://127.0.0.1:13900 --bucket B --s3-key K --s3-secret S

Uploads go to the app (the HTTP tier); WebSocket clients listen on the live
tier, both through nginx's /ws/ and on the live service itself.

Needs the standard library, `websockets` and (s3 mode) `boto3`. Prints one
line per check and a closing "N passed, N failed" line; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import re
import struct
import sys
import time
import urllib.parse
import uuid
import zlib

import websockets

PASSED = 0
FAILED = 0
WS_TIMEOUT = 15.0


def check(cond: bool, what: str, detail: str = "") -> bool:
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {what}", flush=True)
    else:
        FAILED += 1
        print(f"FAIL {what}{': ' + detail if detail else ''}", flush=True)
    return cond


def make_png(width: int = 24, height: int = 16, seed: int = 0) -> bytes:
    """A real, decodable RGB PNG (unique per seed, so no dedup can hide a bug)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(((x * 10 + seed) % 256, (y * 15) % 256, (x + y + seed) % 256)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class Resp:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Resp:
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Resp(r.status, r.headers, r.read())
    finally:
        conn.close()


def upload(base: str, data: bytes, filename: str, path: str = "/api/images/") -> Resp:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
        f"Content-Type: image/png\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return request(base, "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class Listener:
    """A WebSocket client on /ws/gallery/ that keeps every event it hears."""

    def __init__(self, base: str, label: str):
        u = urllib.parse.urlsplit(base)
        self.url = f"ws://{u.netloc}/ws/gallery/"
        self.origin = f"http://{u.netloc}"
        self.label = label
        self.events: list[dict] = []
        self.ws = None
        self.task = None

    async def start(self):
        self.ws = await websockets.connect(self.url, origin=self.origin, open_timeout=10)
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for msg in self.ws:
                try:
                    self.events.append(json.loads(msg))
                except ValueError:
                    pass
        except websockets.ConnectionClosed:
            pass

    async def wait_for(self, pred, timeout: float = WS_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in self.events:
                if pred(ev):
                    return ev
            await asyncio.sleep(0.05)
        return None

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await asyncio.wait_for(self.task, 5)


def created(image_id):
    return lambda ev: ev.get("type") == "image.created" and (ev.get("image") or {}).get("id") == image_id


def deleted(image_id):
    return lambda ev: ev.get("type") == "image.deleted" and ev.get("id") == image_id


def run_in_thread(fn, *args):
    return asyncio.get_running_loop().run_in_executor(None, fn, *args)


def same_as_app(app: str, netloc: str, path: str, via_nginx: Resp) -> None:
    """nginx must answer with the app's headers and bytes, but for the headers
    that only say who answered or how: its own ETag, Last-Modified and
    Accept-Ranges, the framing (Content-Length or chunked), and what Django's
    LocaleMiddleware negotiates per request (Content-Language, Vary)."""
    ra = request(app, "GET", path, headers={"Host": netloc})
    own = {"date", "server", "etag", "last-modified", "accept-ranges", "connection", "keep-alive", "vary",
           "content-length", "transfer-encoding", "content-language"}
    app_h = {k.lower(): v for k, v in ra.headers.items() if k.lower() not in own}
    web_h = {k.lower(): v for k, v in via_nginx.headers.items() if k.lower() not in own}
    check(ra.status == 200 and app_h == web_h, f"nginx sends the same {path} headers as the app (ETag aside)",
          f"app only: {sorted(set(app_h.items()) - set(web_h.items()))}, "
          f"nginx only: {sorted(set(web_h.items()) - set(app_h.items()))}")
    check(ra.body == via_nginx.body, f"nginx and the app send the same {path} bytes")


IMAGE_HEADERS = {
    "content-disposition": "inline",
    "x-content-type-options": "nosniff",
    "cache-control": "public, max-age=31536000, immutable",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}
NGINX_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')


async def single(web: str, app: str | None, live: str | None, max_upload: int) -> None:
    netloc = urllib.parse.urlsplit(web).netloc
    r = request(web, "GET", "/healthz")
    check(r.status == 200, "GET /healthz through nginx", f"HTTP {r.status}")
    r = request(web, "GET", "/readyz")
    check(r.status == 200, "GET /readyz through nginx (database and channel layer reachable)", f"HTTP {r.status} {r.body[:200]!r}")

    listener = Listener(web, "nginx")
    if not await opened(listener, f"WebSocket {listener.url} open through nginx"):
        return
    on_live = Listener(live, "the live service") if live else None
    if on_live and not await opened(on_live, f"WebSocket {on_live.url} open on the live service"):
        return
    if app:
        # The HTTP tier holds no sockets: nginx must have sent /ws/ elsewhere.
        try:
            ws = await websockets.connect(Listener(app, "app").url, origin=app, open_timeout=10)
        except Exception:  # noqa: BLE001 - refused is what we want
            check(True, "the app (HTTP tier) refuses WebSockets: /ws/ is the live tier's")
        else:
            await ws.close()
            check(False, "the app (HTTP tier) refuses WebSockets: /ws/ is the live tier's")

    png = make_png(seed=int(time.time()) % 200)
    r = await run_in_thread(upload, web, png, "ci-smoke.png")
    if not check(r.status == 201, "POST /api/images/ (PNG) through nginx -> 201", f"HTTP {r.status} {r.body[:300]!r}"):
        await listener.close()
        return
    img = r.json()
    image_id, token = img.get("id"), img.get("delete_token")
    check(isinstance(image_id, int) and bool(token), "201 body has id and delete_token", str(img)[:300])
    check(img.get("url") == f"http://{netloc}/image/{image_id}", "url is absolute, with nginx's host and port",
          str(img.get("url")))
    check(str(img.get("page_url", "")).startswith(f"http://{netloc}/"), "page_url is absolute, with nginx's host and port",
          str(img.get("page_url")))

    ev = await listener.wait_for(created(image_id))
    check(ev is not None, "WebSocket through nginx heard image.created", f"events: {listener.events[-3:]}")
    if ev is not None:
        check("delete_token" not in json.dumps(ev), "image.created event does not leak delete_token")
    if on_live:
        ev = await on_live.wait_for(created(image_id))
        check(ev is not None, "the live service's own client heard the app's image.created",
              f"events: {on_live.events[-3:]}")

    r = request(web, "GET", f"/image/{image_id}")
    check(r.status == 200, f"GET /image/{image_id} through nginx -> 200", f"HTTP {r.status}")
    check(r.headers.get("Content-Type") == "image/png", "Content-Type image/png", str(r.headers.get("Content-Type")))
    check(r.body.startswith(b"\x89PNG\r\n\x1a\n") and len(r.body) == img.get("size"), "body is the stored PNG (size as reported)",
          f"{len(r.body)} bytes vs size {img.get('size')}")
    for name, want in IMAGE_HEADERS.items():
        check(r.headers.get(name) == want, f"{name}: {want}", str(r.headers.get(name)))
    etag = r.headers.get("ETag") or ""
    check(bool(NGINX_ETAG.match(etag)), "answered by nginx from the media volume (nginx-style ETag), not by the app",
          f"ETag {etag!r}")
    r304 = request(web, "GET", f"/image/{image_id}", headers={"If-None-Match": etag})
    check(r304.status == 304 and not r304.body, "If-None-Match -> 304", f"HTTP {r304.status}")
    check(r304.headers.get("cache-control") == IMAGE_HEADERS["cache-control"], "304 keeps Cache-Control")
    if app:
        same_as_app(app, netloc, f"/image/{image_id}", r)

    # The gallery's WebP previews (when the app made them) come from disk too.
    thumbs = [img.get(k) for k in ("thumbnail_url", "thumbnail_2x_url")]
    thumbs = [t for t in thumbs if t and t != img.get("url")]
    for t in thumbs:
        path = urllib.parse.urlsplit(t).path
        rt = request(web, "GET", path)
        check(rt.status == 200 and rt.headers.get("Content-Type") == "image/webp" and rt.body[8:12] == b"WEBP",
              f"GET {path} (preview) through nginx -> 200 image/webp", f"HTTP {rt.status} {rt.headers.get('Content-Type')}")
        check(bool(NGINX_ETAG.match(rt.headers.get("ETag") or "")), f"{path} answered by nginx from the media volume",
              f"ETag {rt.headers.get('ETag')!r}")
        if app:
            same_as_app(app, netloc, path, rt)
    if not thumbs:
        print("note: the upload has no separate preview URLs; preview serving not checked", flush=True)
    rh = request(web, "HEAD", f"/image/{image_id}")
    check(rh.status == 200 and rh.headers.get("Content-Type") == "image/png" and not rh.body, "HEAD /image/<id> -> 200, no body",
          f"HTTP {rh.status}")

    r = request(web, "GET", "/api/images/")
    ok = r.status == 200
    listing = r.json() if ok else {}
    check(ok and set(("count", "next", "previous", "results")) <= set(listing), "GET /api/images/ shape", f"HTTP {r.status}")
    check(any(i.get("id") == image_id for i in listing.get("results", [])), "the upload is in the JSON list")

    r = request(web, "GET", f"/api/images/{image_id}/")
    check(r.status == 200 and r.json().get("id") == image_id, "GET /api/images/<id>/ -> 200", f"HTTP {r.status}")

    r = request(web, "GET", "/image/2147480000")
    check(r.status == 404, "unknown id: /image/<id> falls back to the app -> 404", f"HTTP {r.status}")
    check("json" in (r.headers.get("Content-Type") or "") or b"<html" in r.body.lower(),
          "... with the app's own 404 body (not nginx's)", f"{r.headers.get('Content-Type')} {r.body[:120]!r}")

    r = request(web, "GET", "/")
    check(r.status == 200, "GET / (gallery page) through nginx -> 200", f"HTTP {r.status}")
    m = re.search(rb"""(?:href|src)=["'](/static/[^"'?#]+)""", r.body)
    if m:
        path = m.group(1).decode()
        rs = request(web, "GET", path)
        check(rs.status == 200 and "max-age" in (rs.headers.get("Cache-Control") or ""),
              f"GET {path} served from the static volume by nginx", f"HTTP {rs.status} {rs.headers.get('Cache-Control')}")
    else:
        check(False, "gallery page links a /static/ file", "no /static/ href or src found")

    # A body above client_max_body_size is refused by nginx before the app
    # reads anything (only the headers are sent).
    u = urllib.parse.urlsplit(web)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/images/")
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(max_upload + 8 * 1024 * 1024))
        conn.endheaders()
        big = conn.getresponse()
        big_body = big.read()
        check(big.status == 413 and b'"error"' in big_body, "oversized body -> 413 JSON error from nginx",
              f"HTTP {big.status} {big_body[:200]!r}")
    finally:
        conn.close()

    r = request(web, "DELETE", f"/api/images/{image_id}/", headers={"Authorization": "Bearer wrong-token"})
    check(r.status == 403, "DELETE with a wrong token -> 403", f"HTTP {r.status}")
    r = request(web, "DELETE", f"/api/images/{image_id}/", headers={"Authorization": f"Bearer {token}"})
    check(r.status == 204, "DELETE /api/images/<id>/ with the token -> 204", f"HTTP {r.status} {r.body[:200]!r}")
    r = request(web, "GET", f"/image/{image_id}")
    check(r.status == 404, "right after the delete, /image/<id> -> 404 through nginx", f"HTTP {r.status}")
    for t in thumbs:
        path = urllib.parse.urlsplit(t).path
        r = request(web, "GET", path)
        check(r.status == 404, f"right after the delete, {path} -> 404 through nginx", f"HTTP {r.status}")
    ev = await listener.wait_for(deleted(image_id))
    check(ev is not None, "WebSocket through nginx heard image.deleted", f"events: {listener.events[-3:]}")
    await listener.close()
    if on_live:
        ev = await on_live.wait_for(deleted(image_id))
        check(ev is not None, "the live service's own client heard image.deleted")
        await on_live.close()
    resumable(web, netloc)


TUS = {"Tus-Resumable": "1.0.0"}


def resumable(web: str, netloc: str, chunk_size: int = 4194304) -> None:
    """A tus upload through nginx in three chunks; a chunk over the limit refused by nginx."""
    r = request(web, "OPTIONS", "/api/uploads/")
    check(r.status == 204 and r.headers.get("Tus-Version") == "1.0.0", "OPTIONS /api/uploads/ -> tus 1.0.0",
          f"HTTP {r.status} {dict(r.headers)}")
    data = make_png(160, 120, seed=9)
    r = request(web, "POST", "/api/uploads/", headers={**TUS, "Upload-Length": str(len(data))})
    location = r.headers.get("Location") or ""
    if not check(r.status == 201 and location.startswith(f"http://{netloc}/api/uploads/"),
                 "tus creation through nginx -> 201 with nginx's host in Location", f"HTTP {r.status} {location!r}"):
        return
    path = urllib.parse.urlsplit(location).path
    patch = {**TUS, "Content-Type": "application/offset+octet-stream"}
    u = urllib.parse.urlsplit(web)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:  # declared, never sent: nginx answers from the headers
        conn.putrequest("PATCH", path)
        for name, value in {**patch, "Upload-Offset": "0", "Content-Length": str(chunk_size + 1)}.items():
            conn.putheader(name, value)
        conn.endheaders()
        big = conn.getresponse()
        check(big.status == 413 and b'"chunk_too_large"' in big.read(),
              "a chunk over UPLOAD_CHUNK_SIZE -> 413 chunk_too_large from nginx", f"HTTP {big.status}")
    finally:
        conn.close()
    third = -(-len(data) // 3)
    for offset in range(0, len(data), third):
        r = request(web, "PATCH", path, data[offset:offset + third], {**patch, "Upload-Offset": str(offset)})
        if not check(r.status == 204, f"tus PATCH at {offset} through nginx -> 204", f"HTTP {r.status} {r.body[:200]!r}"):
            return
    image_url, token = r.headers.get("Image-Url") or "", r.headers.get("Image-Delete-Token") or ""
    check(image_url.startswith(f"http://{netloc}/api/images/") and bool(token),
          "the last chunk's answer names the image and its delete token", f"{dict(r.headers)}")
    image_id = r.headers.get("Image-Id")
    r = request(web, "GET", f"/image/{image_id}")
    check(r.status == 200 and r.body == data, "the resumable upload's image is the bytes sent", f"HTTP {r.status}")
    r = request(web, "DELETE", f"/api/images/{image_id}/", headers={"Authorization": f"Bearer {token}"})
    check(r.status == 204, "the resumable upload's delete token deletes it", f"HTTP {r.status}")

    # The brief's own addresses answer through nginx too (no location of its catches them).
    r = upload(web, make_png(seed=7), "brief.png", path="/images")
    brief = r.json() if r.status == 201 else {}
    if check(bool(brief.get("delete_token")), "POST /images (the brief's address) -> 201", f"HTTP {r.status} {r.body[:200]!r}"):
        r = request(web, "POST", "/image/delete", json.dumps({"id": brief["id"]}).encode(),
                    {"Content-Type": "application/json", "Authorization": f"Bearer {brief['delete_token']}"})
        check(r.status == 204, "POST /image/delete {\"id\"} with the token -> 204", f"HTTP {r.status} {r.body[:200]!r}")
        r = request(web, "GET", f"/image/{brief['id']}")
        check(r.status == 404, "after /image/delete, /image/<id> -> 404 through nginx", f"HTTP {r.status}")


async def opened(listener: "Listener", what: str) -> bool:
    """Start a listener and record the check; False (already reported) if it failed."""
    try:
        await listener.start()
    except Exception as exc:  # noqa: BLE001
        check(False, what, repr(exc))
        return False
    check(True, what)
    return True


async def scale(web: str, replicas: list[str], live: str) -> None:
    listeners = [Listener(live, f"the live service ({live})"), Listener(web, "nginx")]
    for lis in listeners:
        if not await opened(lis, f"WebSocket open on {lis.label}"):
            return

    uploaded = []
    for i, base in enumerate(replicas):
        r = await run_in_thread(upload, base, make_png(seed=50 + i), f"ci-scale-{i + 1}.png")
        if not check(r.status == 201, f"upload through replica {i + 1} ({base}) -> 201", f"HTTP {r.status} {r.body[:200]!r}"):
            continue
        img = r.json()
        uploaded.append((img["id"], img["delete_token"]))
        for lis in listeners:
            ev = await lis.wait_for(created(img["id"]))
            check(ev is not None, f"image.created of replica {i + 1}'s upload heard on {lis.label}")
        r = request(web, "GET", f"/image/{img['id']}")
        check(r.status == 200 and r.headers.get("Content-Type") == "image/png",
              f"replica {i + 1}'s upload served by nginx from the shared media volume", f"HTTP {r.status}")

    # Through nginx's pool: two deletes land on different replicas in turn.
    for image_id, token in uploaded:
        r = request(web, "DELETE", f"/api/images/{image_id}/", headers={"Authorization": f"Bearer {token}"})
        check(r.status == 204, f"DELETE {image_id} through nginx -> 204", f"HTTP {r.status}")
        for lis in listeners:
            ev = await lis.wait_for(deleted(image_id))
            check(ev is not None, f"image.deleted {image_id} heard on {lis.label}")
        r = request(web, "GET", f"/image/{image_id}")
        check(r.status == 404, f"/image/{image_id} -> 404 after delete", f"HTTP {r.status}")
    for lis in listeners:
        await lis.close()


# Headers that say who answered or how, not what: the rest must be the app's.
CACHE_OWN = {"date", "server", "connection", "keep-alive", "x-cache-status", "content-length",
             "transfer-encoding"}


def headers_of(resp: Resp) -> dict:
    return {k.lower(): v for k, v in resp.headers.items() if k.lower() not in CACHE_OWN}


async def s3(web: str, app: str, endpoint: str, bucket: str, key: str, secret: str) -> None:
    """Media on S3: bytes through nginx's cache of the app's answers, the bucket behind it."""
    import boto3
    from botocore.config import Config

    netloc = urllib.parse.urlsplit(web).netloc
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key, aws_secret_access_key=secret,
                          config=Config(s3={"addressing_style": "path"}))
    listener = Listener(web, "nginx")
    if not await opened(listener, f"WebSocket {listener.url} open through nginx"):
        return
    png = make_png(seed=int(time.time()) % 200 + 1)
    r = await run_in_thread(upload, web, png, "ci-s3.png")
    if not check(r.status == 201, "POST /api/images/ through nginx, media on S3 -> 201",
                 f"HTTP {r.status} {r.body[:300]!r}"):
        await listener.close()
        return
    img = r.json()
    image_id, token = img["id"], img["delete_token"]
    ev = await listener.wait_for(created(image_id))
    check(ev is not None, "WebSocket through nginx heard image.created", f"events: {listener.events[-3:]}")

    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))
    paths = [f"/image/{image_id}"] + [urllib.parse.urlsplit(img[k]).path
                                      for k in ("thumbnail_url", "thumbnail_2x_url")]
    check(keys == sorted([f"images/{image_id}.png", f"images/{image_id}.w320.webp",
                          f"images/{image_id}.w640.webp"]),
          "the original and both previews are objects in the bucket", str(keys))
    head = client.head_object(Bucket=bucket, Key=f"images/{image_id}.png")
    check((head["ContentType"], head.get("ContentDisposition")) == ("image/png", "inline"),
          "the object carries Content-Type image/png and Content-Disposition inline", str(head))
    stored = client.get_object(Bucket=bucket, Key=f"images/{image_id}.png")["Body"].read()

    for path in paths:
        first = request(web, "GET", path)
        again = request(web, "GET", path)
        check(first.status == again.status == 200, f"GET {path} through nginx -> 200",
              f"HTTP {first.status}, {again.status}")
        check(again.headers.get("X-Cache-Status") == "HIT",
              f"{path}: the second answer comes from nginx's cache, not the app",
              str(again.headers.get("X-Cache-Status")))
        ra = request(app, "GET", path, headers={"Host": netloc})
        check(ra.body == first.body == again.body and headers_of(ra) == headers_of(again),
              f"{path}: nginx's copy has the app's bytes and headers, ETag included",
              f"app only: {sorted(set(headers_of(ra).items()) - set(headers_of(again).items()))}, "
              f"nginx only: {sorted(set(headers_of(again).items()) - set(headers_of(ra).items()))}")
        r304 = request(web, "GET", path, headers={"If-None-Match": again.headers.get("ETag", "")})
        check(r304.status == 304, f"{path}: If-None-Match -> 304 through nginx", f"HTTP {r304.status}")
    original = request(web, "GET", paths[0])
    check(original.body == stored == png and original.headers.get("Content-Type") == "image/png",
          "/image/<id> through nginx is the object in the bucket, the uploaded PNG")
    for name, want in IMAGE_HEADERS.items():
        check(original.headers.get(name) == want, f"{name}: {want}", str(original.headers.get(name)))

    r = request(web, "DELETE", f"/api/images/{image_id}/", headers={"Authorization": f"Bearer {token}"})
    check(r.status == 204, "DELETE /api/images/<id>/ through nginx -> 204", f"HTTP {r.status}")
    deleted_at = time.monotonic()
    while any(request(web, "GET", path).status != 404 for path in paths):
        if time.monotonic() - deleted_at > 10:
            break
        await asyncio.sleep(0.1)
    gone = time.monotonic() - deleted_at
    check(gone <= 5, f"every address of the deleted image answers 404 through nginx within 5 s ({gone:.1f} s)")
    ev = await listener.wait_for(deleted(image_id))
    check(ev is not None, "WebSocket through nginx heard image.deleted", f"events: {listener.events[-3:]}")
    left = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    check(left == [], "the bucket is empty again", str([o["Key"] for o in left]))
    await listener.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["single", "scale", "s3"])
    ap.add_argument("--web", required=True, help="nginx's address, e.g. http://127.0.0.1:18080")
    ap.add_argument("--replica", action="append", default=[], help="an app replica's own address (scale mode)")
    ap.add_argument("--app", help="the app's own address, for comparing headers (single mode)")
    ap.add_argument("--live", help="the live service's own address (WebSockets)")
    ap.add_argument("--max-upload", type=int, default=20971520)
    ap.add_argument("--s3", help="the S3 server's address (s3 mode)")
    ap.add_argument("--bucket")
    ap.add_argument("--s3-key")
    ap.add_argument("--s3-secret")
    args = ap.parse_args()
    try:
        if args.mode == "single":
            asyncio.run(single(args.web, args.app, args.live, args.max_upload))
        elif args.mode == "s3":
            asyncio.run(s3(args.web, args.app, args.s3, args.bucket, args.s3_key, args.s3_secret))
        else:
            if len(args.replica) < 2 or not args.live:
                ap.error("scale mode needs two --replica addresses and --live")
            asyncio.run(scale(args.web, args.replica, args.live))
    except Exception as exc:  # noqa: BLE001
        check(False, "smoke test ran to the end", f"{type(exc).__name__}: {exc}")
    print(f"compose-{args.mode}: {PASSED} passed, {FAILED} failed", flush=True)
    return 1 if FAILED or not PASSED else 0


if __name__ == "__main__":
    sys.exit(main())
