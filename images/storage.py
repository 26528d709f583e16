"""Removing stored files, for every part that must clean up after itself."""

import logging
from collections.abc import Iterable

from django.core.files.storage import default_storage

logger = logging.getLogger("live_gallery.images")


def discard(names: Iterable[str]) -> None:
    """Delete these files; a failure is logged, never raised over the caller's own
    outcome (`manage.py reconcile_media` finds whatever is left)."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:
            logger.error("could not delete file %s: %s", name, exc)
