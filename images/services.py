"""Writes: creating and deleting images. Views and the admin call these."""

import errno
import logging
import secrets
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from images import in_doubt, renditions
from images.decoding import decode_slot
from images.errors import (
    CorruptImage,
    ImageError,
    ImageNotFound,
    NameUnavailable,
    StorageFull,
    StorageUnavailable,
)
from images.models import ApiKey, Image, secret_digest
from images.naming import numbered, numbers_in_use, sanitise_name, split_extension
from images.storage import discard
from images.validation import ImageInfo, inspect_image

logger = logging.getLogger("live_gallery.images")

NAME_ATTEMPTS = 50
NAME_CONSTRAINT = "image_unique_name"


@dataclass(frozen=True)
class CreatedImage:
    image: Image
    delete_token: str
    # Ids of the other visible images with the same bytes, oldest first: read in
    # the inserting transaction, so that once it commits the answer needs the
    # database no more (a failure then would turn a stored upload into a 503).
    duplicates: list[int]


def image_create(
    *,
    file: UploadedFile,
    name: str | None = None,
    uploader_key: str | None = None,
    api_key: ApiKey | None = None,
    expires_at: datetime | None = None,
) -> CreatedImage:
    """Validate, clean, store and record one upload; returns its one-time delete token.

    Decoding (validation, previews) happens in one of the process's decode
    slots (images.decoding), released before the database is touched.
    Personal metadata is removed first (STRIP_METADATA); when and with what
    the photo was taken are read before that and kept on the row
    (KEEP_PHOTO_FACTS, images.metadata.facts). The file is named
    after the row's id, so it is written inside the transaction that inserts
    the row, and removed again if that transaction does not commit: a failure
    anywhere (validation, name clash, full disk, database) leaves neither a
    file without a row nor a row without a file.
    Call it outside any other transaction, whose rollback it could not see.
    """
    try:
        with ExitStack() as cleanup:
            with decode_slot():
                info = inspect_image(file, size=file.size)
                content, info = _without_metadata(file, info, cleanup)
                rendered = renditions.render(content, info.image_format)
            return _record(
                content, info, rendered, name=name or file.name, uploader_key=uploader_key,
                api_key=api_key, expires_at=expires_at,
            )
    except ImageError as error:
        logger.info(
            "image refused name=%r size=%s reason=%s", name or file.name, file.size, error.code,
            extra={"event": "image.refused", "size": file.size, "reason": error.code},
        )
        raise


def _record(
    content: File,
    info: ImageInfo,
    rendered: renditions.Rendered,
    *,
    name: str,
    uploader_key: str | None,
    api_key: ApiKey | None,
    expires_at: datetime | None,
) -> CreatedImage:
    token = secrets.token_urlsafe(32)
    image = Image(
        name=sanitise_name(name, default_extension=info.image_format.extension),
        size=info.size,
        content_type=info.content_type,
        width=info.width,
        height=info.height,
        sha256=info.sha256,
        delete_token_digest=secret_digest(token),
        uploader_digest=secret_digest(uploader_key) if uploader_key else "",
        api_key=api_key,
        expires_at=expires_at,
        placeholder=rendered.placeholder,
        **(info.facts.as_fields() if settings.KEEP_PHOTO_FACTS else {}),
    )
    committing = False
    try:
        with transaction.atomic():
            _insert_with_unique_name(image)
            image.path = _store(
                Image.storage_name(image.pk, image.content_type, folder=image.folder), content
            )
            if rendered.rendition is not None:
                _store(image.rendition_name(), ContentFile(rendered.rendition))
            renditions.store_previews(image, rendered)
            image.save(update_fields=["path", "has_thumbnails", "has_animated_preview"])
            duplicates = duplicates_of(image)
            committing = True
    except BaseException:
        if committing:
            # The COMMIT itself failed (or what runs after it): the row may be
            # stored. Its files stay until that is known (images.in_doubt).
            in_doubt.remember(image)
        elif image.pk is not None:
            # Rolled back. Every name this upload may have written, also
            # partial files left by a write that failed half-way.
            discard(Image.names_for(image.pk, image.content_type, folder=image.folder))
        raise
    logger.info(
        "image uploaded id=%s name=%r size=%s type=%s",
        image.pk, image.name, image.size, image.content_type,
        extra={"event": "image.uploaded", "image_id": image.pk, "size": image.size},
    )
    return CreatedImage(image=image, delete_token=token, duplicates=duplicates)


def duplicates_of(image: Image) -> list[int]:
    """Ids of the other visible images with the same bytes, oldest first."""
    same = Image.objects.visible().filter(sha256=image.sha256).exclude(pk=image.pk)
    return list(same.order_by("id").values_list("id", flat=True))


def image_delete(*, image: Image, actor: str) -> None:
    """Delete the row; its files go once the delete commits (images.receivers).

    The row is locked and read again inside the transaction, so of several
    deletes racing for one image (a double-clicked button, a retrying script)
    exactly one finds it; the others raise ImageNotFound. One 204, one
    `image.deleted` event — Django's delete alone would send the signal, and so
    the event, once per racer.
    """
    image_id = image.pk
    with transaction.atomic():
        try:
            locked = Image.objects.select_for_update().get(pk=image_id)
        except Image.DoesNotExist:
            raise ImageNotFound() from None
        locked.delete()
    logger.info(
        "image deleted id=%s by=%s", image_id, actor,
        extra={"event": "image.deleted", "image_id": image_id, "actor": actor},
    )


def _insert_with_unique_name(image: Image) -> None:
    """Insert under the wanted name or the first free `name (n).ext`.

    Uniqueness is the database's constraint, not a check-then-insert: two
    uploads racing for `cat.png` both try, one wins, the other moves on to the
    next number. Each try is a savepoint so a clash leaves the transaction usable.
    A clash is recognised by the constraint the error names, not by looking
    for the other row afterwards: that row may already be deleted again.
    """
    wanted = image.name
    candidates = _candidate_names(wanted)
    for _ in range(NAME_ATTEMPTS):
        image.name = next(candidates)
        try:
            with transaction.atomic():
                image.save(force_insert=True)
            return
        except IntegrityError as error:
            if not _is_name_clash(error):
                raise  # some other constraint: a bug, not ours to retry
    raise NameUnavailable()


def _is_name_clash(error: IntegrityError) -> bool:
    diagnostics = getattr(error.__cause__, "diag", None)
    if diagnostics is not None:  # PostgreSQL names the constraint
        return diagnostics.constraint_name == NAME_CONSTRAINT
    return "images_image.name" in str(error)  # SQLite names the column


def _candidate_names(name: str):
    yield name
    stem, extension = split_extension(name)
    similar = Image.objects.filter(
        name__startswith=stem[:64], name__endswith=extension
    ).values_list("name", flat=True)
    in_use = numbers_in_use(name, similar)
    n = 2
    while True:
        if n not in in_use:
            yield numbered(name, n)
        n += 1


def _without_metadata(
    file: UploadedFile, info: ImageInfo, cleanup: ExitStack
) -> tuple[File, ImageInfo]:
    """The upload without personal metadata (STRIP_METADATA), and its measurements.

    Pixels are not re-encoded (images.metadata copies the compressed data), and
    an image with nothing to remove is stored byte for byte. The cleaned copy is
    validated again, so what is stored is exactly what was checked. It lives in
    a temporary file that `cleanup` closes.
    """
    if not settings.STRIP_METADATA:
        return file, info
    cleaned = cleanup.enter_context(tempfile.TemporaryFile())
    try:
        file.seek(0)
        removed = info.image_format.strip_metadata(file, cleaned)
    except ValueError as exc:
        # Refused rather than stored as is: the privacy promise must hold
        # exactly for the files we cannot read.
        logger.warning("metadata could not be parsed: %s", exc)
        raise CorruptImage() from exc
    if not removed:
        return file, info
    size = cleaned.tell()
    content = File(cleaned, name=file.name)
    # The facts were read before the Exif that held them was removed.
    return content, replace(inspect_image(content, size=size), facts=info.facts)


def _store(target: str, content: File) -> str:
    content.seek(0)
    try:
        return default_storage.save(target, content)
    except OSError as exc:
        logger.error("storing %s failed: %s", target, exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from exc
        raise StorageUnavailable() from exc
