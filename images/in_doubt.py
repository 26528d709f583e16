"""Uploads whose COMMIT failed: whether their row landed is not known yet.

When the connection to the database breaks while it commits (PostgreSQL
restarted, the network cut), the client gets a 503 but the row may well be
stored: the server received the COMMIT, the answer never came back. Removing
the upload's files then could leave a row without its file, the one state the
upload path must never leave. So the files stay, the image is remembered
here, and the sweeper in every server process (images.expiry) settles it once
the database answers again: no row, the files go; a row, they stay.

This memory is per process: a process that dies first leaves at most some
orphan files, which `manage.py reconcile_media --fix` removes.
"""

import logging
import threading

from images.models import Image
from images.storage import discard

logger = logging.getLogger("live_gallery.upload")

_lock = threading.Lock()
_pending: dict[int, list[str]] = {}  # image id -> every name its upload may have written


def remember(image: Image) -> None:
    with _lock:
        _pending[image.pk] = Image.names_for(image.pk, image.content_type, folder=image.folder)
    logger.warning(
        "commit of image id=%s failed in doubt; its files are kept until the database "
        "says whether the row is there", image.pk,
        extra={"event": "image.in_doubt", "image_id": image.pk},
    )


def settle() -> int:
    """Remove the files of remembered uploads whose row is not there; returns how
    many. Raises (and keeps them all) while the database is still away."""
    with _lock:
        pending = dict(_pending)
    if not pending:
        return 0
    stored = set(Image.objects.filter(pk__in=pending).values_list("pk", flat=True))
    for pk, names in pending.items():
        if pk not in stored:
            discard(names)
    with _lock:
        for pk in pending:
            _pending.pop(pk, None)
    logger.info(
        "settled %d upload(s) in doubt: %d stored, %d removed",
        len(pending), len(stored), len(pending) - len(stored),
        extra={"event": "image.in_doubt_settled", "stored": len(stored),
               "removed": len(pending) - len(stored)},
    )
    return len(pending) - len(stored)


def pending() -> set[int]:
    with _lock:
        return set(_pending)
