"""1. Image bytes: GET /image/<id> of a ~480 KB PNG, production shape and embedded.

Arms, alternated run by run (`wrk -t2 -c32 -d5s`):
- nginx with the project's config answering /image/<id> (app upstream behind it)
- the same nginx serving the same file (a hard link) as a plain static file
- daphne alone answering /image/<id> (the embedded default, SERVE_STATIC=true)
- daphne alone answering If-None-Match with 304
- a gallery thumbnail /image/<id>/w320.webp through nginx (informational)
"""

import os
import shutil
import time

from lib import alternate, get, upload, wrk
from media import png_near
from nginx import Nginx

# Headers that legitimately differ between two servers of the same bytes.
INCIDENTAL = {
    "date",
    "server",
    "etag",
    "last-modified",
    "accept-ranges",
    "connection",
    "keep-alive",
}


def header_differences(nginx: dict, app: dict) -> dict:
    keys = (set(nginx) | set(app)) - INCIDENTAL
    return {
        key: {"nginx": nginx.get(key), "app": app.get(key)}
        for key in sorted(keys)
        if nginx.get(key) != app.get(key)
    }


def run(ctx) -> dict:
    source = png_near(500_000, 640, 800)
    alone = ctx.daphne("serving-alone", SERVE_STATIC="true")
    app = ctx.daphne("serving-app", SERVE_STATIC="false", TRUST_PROXY_HEADERS="true")
    _, _, _, image = upload(alone.port, source.read_bytes(), "bench-480k.png", "image/png")
    image_id, sha = image["id"], image["sha256"]
    stored = ctx.media_root / "images" / f"{image_id}.png"

    plain = ctx.work / "plain"
    plain.mkdir(exist_ok=True)
    same_file = plain / "photo.png"
    try:
        os.link(stored, same_file)
    except OSError:
        shutil.copyfile(stored, same_file)

    web = Nginx(
        ctx.procs,
        ctx.work,
        upstream=f"127.0.0.1:{app.port}",
        media=ctx.media_root,
        static=ctx.static_root,
        plain=plain,
        max_upload=ctx.max_upload,
    )
    ctx.servers.append(web)

    path = f"/image/{image_id}"
    status_n, headers_n, body_n = get(web.port, path)
    status_a, headers_a, body_a = get(alone.port, path)
    status_s, _, body_s = get(web.plain_port, "/photo.png")
    if not (
        status_n == status_a == status_s == 200
        and body_n == body_a == body_s == stored.read_bytes()
    ):
        raise RuntimeError("nginx, plain static and daphne did not all serve the stored bytes")
    # nginx's own ETag is "<mtime>-<size>" in hex; the app's is the SHA-256.
    served_by_nginx = headers_n.get("etag") != f'"{sha}"'
    status_304, _, _ = get(alone.port, path, {"If-None-Match": f'"{sha}"'})
    thumbnail = f"/image/{image_id}/w320.webp"
    status_t, headers_t, _ = get(web.port, thumbnail)

    w = dict(threads=2, connections=32, duration=ctx.duration)
    embedded = {"server": alone, "wedged": []}

    def on_daphne_alone(name, headers=()):
        """wrk against daphne alone; a daphne left unable to answer is replaced."""

        def measure():
            result = wrk(embedded["server"].url(path), headers=headers, **w)
            time.sleep(1)
            if get(embedded["server"].port, "/readyz")[0] != 200:
                embedded["wedged"].append(name)
                embedded["server"].stop()
                embedded["server"] = ctx.daphne("serving-alone", SERVE_STATIC="true")
            return result

        return measure

    arms = {
        "nginx_image": lambda: wrk(f"http://127.0.0.1:{web.port}{path}", **w),
        "nginx_static": lambda: wrk(f"http://127.0.0.1:{web.plain_port}/photo.png", **w),
        "daphne_image": on_daphne_alone("daphne_image"),
        "daphne_304": on_daphne_alone("daphne_304", [f'If-None-Match: "{sha}"']),
    }
    if status_t == 200:
        arms["nginx_thumbnail"] = lambda: wrk(f"http://127.0.0.1:{web.port}{thumbnail}", **w)
    results = alternate(arms, ctx.runs)
    static = results["nginx_static"]["median_rps"]
    return {
        "file_bytes": stored.stat().st_size,
        "image_id": image_id,
        "served_by_nginx": served_by_nginx,
        "status_304": status_304,
        "thumbnail_status": status_t,
        "thumbnail_etag_is_app": headers_t.get("etag", "").startswith(f'"{sha}'),
        "header_differences": header_differences(headers_n, headers_a),
        # Runs after which daphne alone failed /readyz and was restarted.
        "daphne_wedged_after": embedded["wedged"],
        "arms": results,
        "ratio_nginx_image": round(results["nginx_image"]["median_rps"] / static, 3),
        "ratio_daphne_image": round(results["daphne_image"]["median_rps"] / static, 4),
        "ratio_daphne_304": round(results["daphne_304"]["median_rps"] / static, 4),
        "nginx_config": str(web.config),
    }
