"""2. Gallery thumbnails: what the first page of 24 photos costs a browser.

24 camera-like 3000×2000 JPEGs (bench/media.py) are uploaded through the API;
then the first gallery page is read and every tile's image is fetched: its
`src` (the 320w candidate, which a 1× desktop browser picks for the tile's
16rem slot) and the `srcset` 640w candidate (2× screens).
"""

import re
import statistics
from html import unescape

from lib import get, upload
from media import gallery_photos

PAGE = 24
TILES = re.compile(r'<ul class="grid" id="gallery".*?</ul>', re.S)
IMG = re.compile(r"<img\s[^>]*>")
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


def tile_images(html: str) -> list[dict]:
    grid = TILES.search(html)
    if grid is None:
        raise RuntimeError("the gallery page has no #gallery grid")
    images = []
    for tag in IMG.findall(grid.group(0)):
        attributes = {k: unescape(v) for k, v in ATTRIBUTE.findall(tag)}
        candidates = {}
        for candidate in attributes.get("srcset", "").split(","):
            if candidate.strip():
                url, descriptor = candidate.split()
                candidates[descriptor] = url
        images.append(
            {"src": attributes["src"], "srcset": candidates, "sizes": attributes.get("sizes")}
        )
    return images


def fetched_bytes(port: int, url: str) -> tuple[int, str]:
    status, headers, body = get(port, url)
    if status != 200:
        raise RuntimeError(f"GET {url} answered {status}")
    return len(body), headers.get("content-type", "")


def run(ctx) -> dict:
    photos = gallery_photos(PAGE)
    server = ctx.daphne("thumbnails", SERVE_STATIC="true")
    seconds = []
    uploaded = []
    for n, photo in enumerate(photos):
        took, _, _, image = upload(
            server.port, photo.read_bytes(), f"photo-{n:02}.jpg", "image/jpeg"
        )
        seconds.append(took)
        uploaded.append(image["id"])

    status, _, html = get(server.port, "/")
    if status != 200:
        raise RuntimeError(f"GET / answered {status}")
    tiles = tile_images(html.decode())
    if len(tiles) != PAGE:
        raise RuntimeError(f"the first page shows {len(tiles)} images, not {PAGE}")
    one_x, two_x, types = [], [], set()
    for tile in tiles:
        size, content_type = fetched_bytes(server.port, tile["src"])
        one_x.append(size)
        types.add(content_type)
        retina = tile["srcset"].get("640w", tile["src"])
        two_x.append(fetched_bytes(server.port, retina)[0])
    on_page = [int(re.search(r"/image/(\d+)", t["src"]).group(1)) for t in tiles]
    originals = sum(p.stat().st_size for p in photos)
    return {
        "photos": PAGE,
        "photo_pixels": "3000×2000",
        "original_bytes_total": originals,
        "original_bytes_median": int(statistics.median(p.stat().st_size for p in photos)),
        "upload_seconds_median": round(statistics.median(seconds), 3),
        "page_shows_uploaded": sorted(on_page) == sorted(uploaded),
        "html_bytes": len(html),
        "sizes_attribute": tiles[0]["sizes"],
        "srcset_example": tiles[0]["srcset"],
        "thumbnail_types": sorted(types),
        "bytes_1x_total": sum(one_x),
        "bytes_1x_median": int(statistics.median(one_x)),
        "bytes_1x_max": max(one_x),
        "bytes_2x_total": sum(two_x),
        "bytes_2x_median": int(statistics.median(two_x)),
    }
