"""Page throughput: the HTTP tier as the compose stack runs it, against daphne alone.

60 photos (800×600 JPEG) are uploaded first. Arms, alternated run by run
(`wrk -t2 -c16`, no cookies: a visitor's first page):

- nginx with the project's config in front of the HTTP tier: granian (WSGI,
  core.wsgi) with 2 workers, the compose stack's default of 2 app replicas,
  with Redis (so the page cache is on, as in the stack);
- daphne alone, one process, no Redis: the shape the issue's "today" figures
  were taken in (63, 104 and 87 req/s for the gallery, an image page and the
  API list on a quieter machine).

Each route is compared with 4× those figures and with 0.5× the same server's
`/healthz` in the same run. Then 5 MB JPEGs are uploaded through nginx to the
HTTP tier, 4 at a time: uploads per second on this machine.
"""

import io

import uploads
from lib import alternate, upload, wrk
from media import photo
from nginx import Nginx

PHOTOS = 60
WORKERS = 2
JPEG_UPLOADS = 12
TODAY = {"gallery": 63, "image page": 104, "API list": 87}


def run(ctx) -> dict:
    http = ctx.tier(
        "throughput-http", "http", WORKERS, REDIS_URL=ctx.redis_url,
        SERVE_STATIC="false", TRUST_PROXY_HEADERS="true",
    )
    daphne = ctx.daphne("throughput-daphne", REDIS_URL="")
    ids = []
    for n in range(PHOTOS):
        data = io.BytesIO()
        photo((800, 600), seed=1000 + n).save(data, "JPEG", quality=85)
        ids.append(upload(http.port, data.getvalue(), f"t-{n}.jpg", "image/jpeg")[3]["id"])
    web = Nginx(
        ctx.procs, ctx.work, upstream=f"127.0.0.1:{http.port}", media=ctx.media_root,
        static=ctx.static_root, plain=ctx.work, max_upload=ctx.max_upload,
    )
    ctx.servers.append(web)
    routes = {
        "healthz": "/healthz",
        "gallery": "/",
        "image page": f"/images/{ids[PHOTOS // 2]}/",
        "API list": "/api/images/",
    }
    w = dict(threads=2, connections=16, duration=ctx.duration)
    arms = {}
    for route, path in routes.items():
        arms[f"nginx+granian {route}"] = lambda p=path: wrk(f"http://127.0.0.1:{web.port}{p}", **w)
        arms[f"daphne {route}"] = lambda p=path: wrk(daphne.url(p), **w)
    results = alternate(arms, ctx.runs)
    jpeg, content_type, ext = uploads.files(ctx)["jpeg_5m"]
    jpegs = uploads.throughput(web, jpeg, content_type, ext, "through-nginx", JPEG_UPLOADS)
    jpegs["file_bytes"] = jpeg.stat().st_size
    helper = ctx.helper("throughput-profile", REDIS_URL=ctx.redis_url)
    costs = helper.call("profile", paths={k: v for k, v in routes.items()}, requests=200)
    helper.stop()
    rows = {}
    for route in routes:
        fast = results[f"nginx+granian {route}"]["median_rps"]
        slow = results[f"daphne {route}"]["median_rps"]
        healthz = results["nginx+granian healthz"]["median_rps"]
        rows[route] = {
            "nginx_granian_rps": fast,
            "daphne_rps": slow,
            # None: daphne answered nothing in its runs (see its log).
            "vs_daphne_same_run": round(fast / slow, 2) if slow else None,
            "vs_healthz": round(fast / healthz, 2) if healthz else 0.0,
            "today_rps": TODAY.get(route),
            "vs_today": round(fast / TODAY[route], 2) if route in TODAY else None,
        }
    return {
        "photos": PHOTOS, "workers": WORKERS, "arms": results, "routes": rows, "profile": costs,
        "jpeg_uploads_through_nginx": jpegs,
    }
