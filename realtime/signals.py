"""Announce images as they are created and deleted, once the change commits.

Model signals rather than calls from the images services: rows are created
and deleted from the API, the pages, the admin, the shell and bulk queryset
deletes, and the `images` app must not know that live updates exist.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from images.models import Image
from images.serializers import image_data
from realtime.broadcast import broadcast


@receiver(post_save, sender=Image, dispatch_uid="realtime.announce_created")
def announce_created(sender, instance: Image, created: bool, using, **kwargs):
    if created:
        # Serialised at commit time: the service finishes the row (its path)
        # after the insert, inside the same transaction.
        transaction.on_commit(partial(_created, instance), using=using)


@receiver(post_delete, sender=Image, dispatch_uid="realtime.announce_deleted")
def announce_deleted(sender, instance: Image, using, **kwargs):
    transaction.on_commit(partial(_deleted, instance.pk), using=using)


def _created(image: Image):
    broadcast({"type": "image.created", "image": image_data(image, origin="")})


def _deleted(image_id: int):
    broadcast({"type": "image.deleted", "id": image_id})
