"""The bench's hands inside Django, in a process of their own.

Reads one JSON command per line on stdin and answers one JSON line on stdout;
settings come from the environment the bench gives it (the same as its
daphne processes). Commands:

    {"op": "create", "path": "...", "name": "...", "content_type": "..."}
        images.services.image_create on that file, as a view would call it:
        {"seconds": ..., "id": ...}
    {"op": "previews", "path": "...", "content_type": "..."}
        images.renditions.render on that file, as an upload makes its previews
        (decode, orient, resize, encode both widths and the placeholder):
        {"seconds": ..., "bytes": {width: n}, "sizes": {width: [w, h]}}
    {"op": "bulk", "count": 10000}
        insert that many rows (no files), one second apart, then VACUUM ANALYZE
    {"op": "queries", "paths": ["/", "/?page=417"]}
        SQL queries Django runs to answer each GET (test client): {path: n}
    {"op": "profile", "paths": {"gallery": "/"}, "requests": 200}
        where a request's time goes (cProfile, Django's test client, the page
        cache off, then on): {label: {"cache off"|"cache on": {part: ms per request}}}
"""

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import UploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from images.models import Image  # noqa: E402
from images.services import image_create  # noqa: E402


def create(path: str, name: str, content_type: str) -> dict:
    size = os.path.getsize(path)
    with open(path, "rb") as data:
        upload = UploadedFile(file=data, name=name, content_type=content_type, size=size)
        started = time.perf_counter()
        created = image_create(file=upload, name=name)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "id": created.image.pk}


def previews(path: str, content_type: str, keep: str | None = None) -> dict:
    """`keep`: a folder to write the previews to, as w<width>.webp."""
    import io

    from django.conf import settings
    from PIL import Image as Picture

    from images import renditions
    from images.formats import by_content_type

    with open(path, "rb") as data:
        started = time.perf_counter()
        rendered = renditions.render(data, by_content_type(content_type))
        seconds = time.perf_counter() - started
    if rendered.previews is None:
        raise RuntimeError(f"no previews made of {path}")
    sizes = {}
    for width, preview in zip(settings.PREVIEW_WIDTHS, rendered.previews, strict=True):
        with Picture.open(io.BytesIO(preview)) as picture:
            sizes[width] = list(picture.size)
        if keep:
            Path(keep, f"w{width}.webp").write_bytes(preview)
    return {
        "seconds": seconds,
        "bytes": dict(zip(settings.PREVIEW_WIDTHS, map(len, rendered.previews), strict=True)),
        "sizes": sizes,
        "quality": renditions.QUALITY,
        "method": renditions.WEBP_METHOD,
    }


def bulk(count: int) -> dict:
    started = time.perf_counter()
    now = timezone.now()
    Image.objects.bulk_create(
        (
            Image(
                name=f"bulk-{n}.png",
                path=f"images/bulk-{n}.png",
                size=480_000,
                date=now - timedelta(seconds=n),
                content_type="image/png",
                width=640,
                height=480,
                sha256=f"{n:064x}",
                delete_token_digest="0" * 64,
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    seconds = time.perf_counter() - started
    # As autovacuum would have by the time a gallery holds 10,000 images: the
    # planner's statistics and the visibility map reflect the rows.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Image._meta.db_table}")
    return {"seconds": seconds, "rows": Image.objects.count()}


def queries(paths: list[str]) -> dict:
    client = Client()
    counts = {}
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured)
    return counts


# Where a request's time goes: cumulative time of these functions per request.
# They nest (templates reverse URLs and run the page's queries), so the parts
# do not add up to the whole.
SPOTS = (
    ("whole request (handler)", "django/core/handlers/base.py", "get_response"),
    ("template rendering", "django/template/backends/django.py", "render"),
    ("URL reversing", "django/urls/base.py", "reverse"),
    ("SQL (execute, incl. the wait)", "django/db/backends/utils.py", "execute"),
    ("ORM rows → objects and SQL", "django/db/models/query.py", "_fetch_all"),
    ("CSRF token", "django/middleware/csrf.py", "get_token"),
    ("Redis (page cache generation)", "redis/client.py", "execute_command"),
)


def profile(paths: dict, requests: int) -> dict:
    """Cumulative ms per request in each SPOT, page cache off, then on."""
    import cProfile
    import pstats

    from django.conf import settings

    from images.pagecache import copies

    answer = {}
    for cache in (False, True):
        settings.PAGE_CACHE = cache
        copies.clear()
        for label, path in paths.items():
            for _ in range(10):
                Client().get(path)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                Client().get(path)
            profiler.disable()
            spots = dict.fromkeys((name for name, _, _ in SPOTS), 0.0)
            for (filename, _, function), (_, _, _, cumulative, _) in pstats.Stats(
                profiler
            ).stats.items():
                for name, marker, wanted in SPOTS:
                    if function == wanted and filename.endswith(marker):
                        spots[name] += cumulative * 1000 / requests
            answer.setdefault(label, {})["cache on" if cache else "cache off"] = {
                name: round(ms, 2) for name, ms in spots.items()
            }
    return answer


COMMANDS = {
    "create": create,
    "previews": previews,
    "bulk": bulk,
    "queries": queries,
    "profile": profile,
}


def main():
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        if op == "quit":
            break
        print(json.dumps(COMMANDS[op](**command)), flush=True)


if __name__ == "__main__":
    main()
