"""Expiring images: hidden at once, deleted by a sweeper. (`expires_in` on
upload is one of an upload's terms: images.pipeline.)

An image past its `expires_at` is invisible at once: every read goes through
`Image.objects.visible()`, and its files are stored under `expiring/`, a
folder nginx's fast path never serves, so nginx asks the app, which answers
404 (docs/api.md). Then, within EXPIRY_SWEEP_SECONDS, a sweeper deletes the
row and its files and announces `image.deleted`, like any delete.
The same sweeper removes resumable uploads left unfinished past UPLOAD_EXPIRY
(images.resumable) and settles uploads whose commit failed in doubt
(images.in_doubt).

The sweeper is a thread in every server process, started by core.asgi
(`make run`'s one daphne) and core.wsgi (each compose app replica; the live
tier, which has no media volume, turns it off): no extra process to run. Many
replicas sweep at once without deleting anything twice: each sweep locks the
rows it takes and skips rows another sweep holds (`SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL; SQLite's transactions take the one write lock whole).
"""

import logging
import random
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from images import in_doubt
from images.models import Image
from images.resumable import remove_expired as remove_expired_uploads
from images.services import image_delete

BATCH = 200

logger = logging.getLogger("live_gallery.expiry")


def delete_expired() -> int:
    """Delete every image past its time (files after commit, one `image.deleted`
    each); returns how many. Safe to run in many processes at once."""
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                Image.objects.expired()
                .select_for_update(skip_locked=True)
                .order_by("expires_at", "id")[:BATCH]
            )
            for image in batch:
                image_delete(image=image, actor="expiry")
        deleted += len(batch)
        if len(batch) < BATCH:
            return deleted


def start_sweeper() -> threading.Thread | None:
    """Sweep every EXPIRY_SWEEP_SECONDS in a daemon thread (0: not in this process)."""
    interval = settings.EXPIRY_SWEEP_SECONDS
    if interval <= 0:
        return None
    thread = threading.Thread(
        target=_sweep_forever, args=(interval,), name="expiry-sweeper", daemon=True
    )
    thread.start()
    return thread


def _sweep_forever(interval: float):
    while True:
        # A little earlier than the interval, never later, so replicas started
        # together drift apart and every image goes within EXPIRY_SWEEP_SECONDS.
        time.sleep(interval * random.uniform(0.8, 1.0))
        try:
            if deleted := delete_expired():
                logger.info("deleted %d expired image(s)", deleted,
                            extra={"event": "expiry.swept", "deleted": deleted})
            remove_expired_uploads()
            in_doubt.settle()
        except Exception:  # noqa: BLE001 - a database outage must not end the sweeper
            logger.exception("sweeping expired images failed; trying again")
        finally:
            close_old_connections()
            connection.close()
