"""What follows a row's change once it commits: its files, the pages' copies
(and a resumable upload's stored parts).

Receivers rather than code in a service, because rows are created, changed
and deleted from more places than the services (the admin, bulk queryset
deletes, the shell), and every one of them must take the file along and make
the cached pages (images.pagecache) stale.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from images.models import Image, UploadPart
from images.pagecache import gallery_changed
from images.storage import discard


@receiver(post_delete, sender=Image, dispatch_uid="images.delete_file_after_commit")
def delete_file_after_commit(sender, instance: Image, using, **kwargs):
    transaction.on_commit(partial(discard, instance.stored_names()), using=using)


@receiver(post_save, sender=Image, dispatch_uid="images.pages_stale_after_save")
@receiver(post_delete, sender=Image, dispatch_uid="images.pages_stale_after_delete")
def pages_stale_after_commit(sender, instance: Image, using, **kwargs):
    transaction.on_commit(gallery_changed, using=using)


@receiver(post_delete, sender=UploadPart, dispatch_uid="images.delete_upload_part_after_commit")
def delete_upload_part_after_commit(sender, instance: UploadPart, using, **kwargs):
    transaction.on_commit(partial(discard, [instance.name]), using=using)
