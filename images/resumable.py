"""Resumable uploads (tus): the state in the database, the bytes in the media storage.

An upload is an `Upload` row (length, offset, metadata, expiry) and one
stored object per PATCH body received (`UploadPart`, under `partial/` in the
configured storage: MEDIA_ROOT or the S3 bucket). Nothing is kept in a
process, so replicas that share no disk can take turns with one upload.

Appending is write-then-commit: the body is streamed to an object of its own
name first, then one short transaction locks the row, checks that the offset
is still the one the client named, records the part and moves the offset. Of
two PATCHes racing for one offset, exactly one commits; the other's object is
discarded and the client hears 409. No lock is held while bytes travel.

The PATCH that brings the last byte takes a lease on the upload
(`finishing_since`), joins the parts into one local temporary file, and hands
it to the upload pipeline — the same checks, cleaning, previews and record
as a one-shot upload. Then:
- accepted: the offset reaches the length, the row remembers the image, the
  parts are deleted after commit;
- refused (a 4xx of the pipeline): the upload and its parts are deleted;
- failed otherwise (storage or database down): the lease is given back and
  the last chunk dropped, so the client can send it again.
A lease whose request died is taken over after FINISH_LEASE.

Unfinished uploads expire after UPLOAD_EXPIRY; `remove_expired` deletes them
(rows, then their objects after commit), called by every server process's
expiry sweeper (images.expiry) and by `manage.py reconcile_media --fix`.
"""

import errno
import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from images import pipeline
from images.errors import (
    ImageError,
    IncompleteChunk,
    OffsetMismatch,
    StorageFull,
    StorageUnavailable,
    UploadDataLost,
    UploadExpired,
    UploadLengthExceeded,
    UploadLocked,
    UploadNotFound,
)
from images.models import ApiKey, Upload, UploadPart
from images.services import CreatedImage
from images.storage import copy_into, discard, stored_files

logger = logging.getLogger("live_gallery.images")

PART_FOLDER = "partial"
# Far longer than the pipeline ever takes for MAX_UPLOAD_SIZE; only a request
# that died while finishing leaves a lease this old.
FINISH_LEASE = timedelta(minutes=10)
COPY_CHUNK = 256 * 1024
# Expired uploads removed per transaction (each row's lock is held until then).
EXPIRY_BATCH = 100


@dataclass(frozen=True)
class Finished:
    """The outcome of the PATCH that completed an upload."""

    upload: Upload
    created: CreatedImage


def create_upload(
    *, length: int, metadata: str, filename: str, expires_in: int | None,
    api_key: ApiKey | None = None,
) -> Upload:
    """A new upload; `expires_in` and `api_key` are the image's terms, checked
    already (images.pipeline.terms)."""
    now = timezone.now()
    upload = Upload.objects.create(
        length=length,
        metadata=metadata,
        filename=filename,
        expires_in=expires_in,
        api_key=api_key,
        created=now,
        expires=now + timedelta(seconds=settings.UPLOAD_EXPIRY),
    )
    logger.info(
        "upload started id=%s length=%s", upload.pk, length,
        extra={"event": "upload.started", "upload_id": str(upload.pk), "size": length},
    )
    return upload


def get_upload(upload_id) -> Upload:
    """The upload, if it exists and has not expired."""
    try:
        upload = Upload.objects.get(pk=upload_id)
    except Upload.DoesNotExist:
        raise UploadNotFound() from None
    if upload.expires <= timezone.now():
        raise UploadExpired()
    return upload


def append(
    upload: Upload, *, offset: int, body, size: int, uploader_key: str | None = None
) -> Upload | Finished:
    """Store `size` bytes read from `body` at `offset`; finish the upload on its last byte.

    `upload` is the row as read before the body: its checks answer early,
    and are made again under the row's lock before anything is recorded.
    """
    _check_may_append(upload, offset=offset, size=size, now=timezone.now())
    if size == 0:
        return upload
    name = _store_part(upload, offset=offset, body=body, size=size)
    try:
        if offset + size < upload.length:
            return _record_part(upload.pk, offset=offset, size=size, name=name)
        return _finish(upload.pk, offset=offset, last_part=name, uploader_key=uploader_key)
    except BaseException:
        discard([name])
        raise


def terminate(upload_id) -> None:
    """Delete an upload and (after commit) its stored parts; the image it became stays."""
    with transaction.atomic():
        upload = _locked(upload_id)
        if _lease_held(upload, timezone.now()):
            raise UploadLocked()
        upload.delete()
    logger.info(
        "upload terminated id=%s", upload_id,
        extra={"event": "upload.terminated", "upload_id": str(upload_id)},
    )


def remove_expired(now: datetime | None = None) -> int:
    """Delete uploads past their expiry (and their parts); returns how many.

    Rows are locked and skipped when another process holds them (a PATCH in
    its commit, another replica's sweep), so no two processes delete one upload.
    """
    now = now or timezone.now()
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Upload.objects.expired(now)
                .exclude(finishing_since__gt=now - FINISH_LEASE)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:EXPIRY_BATCH]
            )
            Upload.objects.filter(pk__in=batch).delete()
        removed += len(batch)
        if len(batch) < EXPIRY_BATCH:
            break
    if removed:
        logger.info(
            "expired uploads removed count=%s", removed,
            extra={"event": "upload.expired", "count": removed},
        )
    return removed


def part_name(upload: Upload, offset: int) -> str:
    """A name of its own for every attempt, so racing PATCHes never share an object."""
    return f"{PART_FOLDER}/{upload.pk.hex}-{offset}-{secrets.token_hex(4)}"


def _check_may_append(upload: Upload, *, offset: int, size: int, now: datetime) -> None:
    if upload.expires <= now:
        raise UploadExpired()
    if offset != upload.offset:
        raise OffsetMismatch(upload.offset)
    if _lease_held(upload, now):
        raise UploadLocked()
    if offset + size > upload.length:
        raise UploadLengthExceeded()


def _lease_held(upload: Upload, now: datetime) -> bool:
    return upload.finishing_since is not None and upload.finishing_since > now - FINISH_LEASE


def _locked(upload_id) -> Upload:
    try:
        return Upload.objects.select_for_update().get(pk=upload_id)
    except Upload.DoesNotExist:
        raise UploadNotFound() from None


class _Body:
    """At most `size` bytes of a request body, counted as they are read."""

    closed = False

    def __init__(self, stream, size: int):
        self.stream = stream
        self.remaining = size

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > self.remaining:
            n = self.remaining
        data = self.stream.read(n) if n else b""
        self.remaining -= len(data)
        return data

    def seekable(self) -> bool:
        return False


def _store_part(upload: Upload, *, offset: int, body, size: int) -> str:
    """Stream the body into a new object; nothing is stored unless all of it arrived."""
    name = part_name(upload, offset)
    counted = _Body(body, size)
    try:
        default_storage.save(name, File(counted, name=name))
    except OSError as exc:
        discard([name])
        logger.error("storing %s failed: %s", name, exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from exc
        raise StorageUnavailable() from exc
    except BaseException:
        discard([name])
        raise
    if counted.remaining:
        discard([name])
        raise IncompleteChunk()
    return name


def _record_part(upload_id, *, offset: int, size: int, name: str) -> Upload:
    with transaction.atomic():
        upload = _locked(upload_id)
        _check_may_append(upload, offset=offset, size=size, now=timezone.now())
        UploadPart.objects.create(upload=upload, offset=offset, size=size, name=name)
        upload.offset = offset + size
        upload.save(update_fields=["offset"])
    logger.info(
        "upload chunk stored id=%s offset=%s size=%s", upload_id, offset, size,
        extra={"event": "upload.chunk", "upload_id": str(upload_id), "offset": offset,
               "size": size},
    )
    return upload


def _finish(upload_id, *, offset: int, last_part: str, uploader_key: str | None) -> Finished:
    with transaction.atomic():
        upload = _locked(upload_id)
        now = timezone.now()
        _check_may_append(upload, offset=offset, size=upload.length - offset, now=now)
        upload.finishing_since = now
        upload.save(update_fields=["finishing_since"])
    parts = [
        *UploadPart.objects.filter(upload=upload).order_by("offset").values_list("offset", "name"),
        (offset, last_part),
    ]
    try:
        created = _make_image(upload, parts, uploader_key)
    except ImageError as error:
        if error.status < 500:  # the file itself was refused: nothing is kept
            Upload.objects.filter(pk=upload_id).delete()
        else:
            _release(upload, now)
        raise
    except BaseException:
        _release(upload, now)
        raise
    with transaction.atomic():
        upload = _locked(upload_id)
        upload.offset = upload.length
        upload.image_id = created.image.pk
        upload.finishing_since = None
        upload.save(update_fields=["offset", "image_id", "finishing_since"])
        upload.parts.all().delete()
        transaction.on_commit(partial(discard, [last_part]))
    logger.info(
        "upload finished id=%s image=%s last chunk offset=%s size=%s",
        upload_id, created.image.pk, offset, upload.length - offset,
        extra={"event": "upload.finished", "upload_id": str(upload_id),
               "image_id": created.image.pk, "offset": offset, "size": upload.length - offset},
    )
    return Finished(upload=upload, created=created)


def _release(upload: Upload, claimed_at: datetime) -> None:
    """Give the lease back, unless it was taken over meanwhile."""
    Upload.objects.filter(pk=upload.pk, finishing_since=claimed_at).update(finishing_since=None)


def _make_image(upload: Upload, parts, uploader_key: str | None) -> CreatedImage:
    """Join the parts into one local temporary file and run the upload pipeline on it."""
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as joined:
        for _, name in parts:
            _copy_part(name, joined)
        if joined.tell() != upload.length:
            logger.error("upload %s: parts hold %s bytes, not %s", upload.pk, joined.tell(),
                         upload.length)
            raise UploadDataLost()
        joined.seek(0)
        name = upload.filename or None
        file = UploadedFile(joined, name=name or "upload", size=upload.length)
        # The terms checked when the upload was created; an expiring image's
        # time counts from when it exists.
        expires_at = (
            timezone.now() + timedelta(seconds=upload.expires_in) if upload.expires_in else None
        )
        terms = pipeline.Terms(api_key=upload.api_key, expires_at=expires_at)
        return pipeline.store(pipeline.Incoming(file, name), terms, uploader_key=uploader_key)


def _copy_part(name: str, into) -> None:
    try:
        copy_into(name, into)
    except FileNotFoundError:
        logger.error("upload part %s is missing from the store", name)
        raise UploadDataLost() from None
    except OSError as exc:
        logger.error("reading upload part %s failed: %s", name, exc)
        raise StorageUnavailable() from exc


def stale_parts(min_age: float, page_size: int):
    """Stored part objects that no recorded part names, older than `min_age` seconds.

    A PATCH writes its object before it records it, so a younger one may be
    a request in flight.
    """
    cutoff = timezone.now() - timedelta(seconds=min_age)
    recorded = set(UploadPart.objects.values_list("name", flat=True))
    for name, modified in stored_files(PART_FOLDER, page_size):
        if name not in recorded and modified < cutoff:
            yield name

