"""The bench's hands inside Django, in a process of their own.

Reads one JSON command per line on stdin and answers one JSON line on stdout;
settings come from the environment the bench gives it (the same as its
daphne processes). Commands:

    {"op": "create", "path": "...", "name": "...", "content_type": "..."}
        images.services.image_create on that file, as a view would call it:
        {"seconds": ..., "id": ...}
    {"op": "bulk", "count": 10000}
        insert that many rows (no files), one second apart, then VACUUM ANALYZE
    {"op": "queries", "paths": ["/", "/?page=417"]}
        SQL queries Django runs to answer each GET (test client): {path: n}
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


COMMANDS = {"create": create, "bulk": bulk, "queries": queries}


def main():
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        if op == "quit":
            break
        print(json.dumps(COMMANDS[op](**command)), flush=True)


if __name__ == "__main__":
    main()
