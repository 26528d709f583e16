"""The files follow their row: once a delete commits, original and thumbnails go.

A receiver rather than code in a service, because rows are deleted from more
places than the service (the admin, bulk queryset deletes, the shell), and
every one of them must take the file along.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from images.models import Image
from images.storage import discard


@receiver(post_delete, sender=Image, dispatch_uid="images.delete_file_after_commit")
def delete_file_after_commit(sender, instance: Image, using, **kwargs):
    transaction.on_commit(partial(discard, instance.stored_names()), using=using)
