"""The files follow their row: once a delete commits, original and thumbnails go.

A receiver rather than code in a service, because rows are deleted from more
places than the service (the admin, bulk queryset deletes, the shell), and
every one of them must take the file along.
"""

import logging
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from images.models import Image

logger = logging.getLogger("live_gallery.images")


@receiver(post_delete, sender=Image, dispatch_uid="images.delete_file_after_commit")
def delete_file_after_commit(sender, instance: Image, using, **kwargs):
    transaction.on_commit(partial(_delete_files, instance.stored_names()), using=using)


def _delete_files(names: list[str]):
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:
            # The row is gone already; `manage.py reconcile_media` finds leftovers.
            logger.error("could not delete file %s: %s", name, exc)
