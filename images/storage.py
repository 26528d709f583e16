"""Where image files live: the local MEDIA_ROOT, or S3-compatible object storage.

Django's storage API (`default_storage`, chosen by STORAGES in settings) hides
which one; every part of the app reads and writes files through it or through
the helpers here, so both backends give the same guarantees:
- `discard(names)` removes files and never raises over the caller's outcome;
- `open_stream(name)` gives bytes to stream to a client (from S3 the GET's
  own body: nothing is spooled to a local disk another replica cannot see);
- `stored_files(folder)` lists what is stored, one page at a time;
- `copy_into(name, file)` appends stored bytes to a local file, a chunk at a time.

`S3MediaStorage` is django-storages' S3 backend (boto3) set up for this
project when S3_BUCKET is set. docs/scaling.md explains the choice.
"""

import errno
import logging
import mimetypes
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

logger = logging.getLogger("live_gallery.images")

# How many names one listing request asks for (S3's own maximum is 1,000).
LISTING_PAGE_SIZE = 1000

# Error codes with which S3-compatible servers say a quota is used up: the
# same "store is full" (507) as a full disk, not an outage.
QUOTA_ERROR_CODES = {"QuotaExceeded", "XMinioStorageFull"}
NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


def discard(names: Iterable[str]) -> None:
    """Delete these files; a failure is logged, never raised over the caller's own
    outcome (`manage.py reconcile_media` finds whatever is left)."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:
            logger.error("could not delete file %s: %s", name, exc)


def open_stream(name: str):
    """The stored bytes of `name` as a file object to `read(n)` in chunks and close."""
    stream = getattr(default_storage, "stream", None)
    return stream(name) if stream else default_storage.open(name, "rb")


def copy_into(name: str, target, chunk_size: int = 256 * 1024) -> None:
    """Append the bytes of `name` to the open file `target`, a chunk at a time.

    Failures arrive as on disk: FileNotFoundError when `name` is missing, any
    other OSError when the store cannot be read (S3 dropping mid-body too).
    """
    with _s3_errors(name):
        source = open_stream(name)
        try:
            while chunk := source.read(chunk_size):
                target.write(chunk)
        finally:
            source.close()


def stored_files(
    folder: str, page_size: int = LISTING_PAGE_SIZE
) -> Iterator[tuple[str, datetime]]:
    """(name, last modified) of every file directly in `folder`, a page at a time."""
    if lister := getattr(default_storage, "iter_files", None):
        yield from lister(folder, page_size)
        return
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        name = f"{folder}/{file}"
        yield name, default_storage.get_modified_time(name)


@contextmanager
def _s3_errors(name: str):
    """S3's failures as the OSError a disk would raise, so callers handle one kind:
    missing → FileNotFoundError, quota used up → ENOSPC, anything else
    (refused, unreachable, timed out) → an OSError meaning "unavailable"."""
    try:
        yield
    except (ClientError, BotoCoreError, S3UploadFailedError) as error:
        # upload_fileobj wraps the server's answer in S3UploadFailedError.
        answer = error.__context__ if isinstance(error, S3UploadFailedError) else error
        code = answer.response["Error"].get("Code", "") if isinstance(answer, ClientError) else ""
        if code in NOT_FOUND_CODES:
            raise FileNotFoundError(errno.ENOENT, f"not in the bucket: {error}", name) from error
        if code in QUOTA_ERROR_CODES:
            raise OSError(errno.ENOSPC, f"object storage quota: {error}", name) from error
        raise OSError(errno.EIO, f"object storage unavailable: {error}", name) from error


class S3MediaStorage(S3Storage):
    """django-storages' S3 backend as Live Gallery uses it (settings: S3_*).

    Objects are named exactly like files on disk (`images/<id>.<ext>`, under
    S3_PREFIX) and carry the Content-Type of their format and
    `Content-Disposition: inline`, whoever reads them. The bucket stays
    private: the app streams objects itself and hands out no bucket URLs.
    """

    # Names come from row ids, never reused: an object already at a name can
    # only be a crash's leftover, so it is overwritten (as on disk).
    file_overwrite = True
    querystring_auth = False
    default_acl = None

    def __init__(self, **options):
        super().__init__(**options)
        self.client_config = Config(
            # S3-compatible servers are addressed by path (http://host/bucket/key);
            # AWS picks its own style.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=30,
            # A failing request is retried twice, then the upload answers 503.
            retries={"mode": "standard", "max_attempts": 3},
            # Checksums only where S3 requires them: many S3-compatible
            # servers refuse the CRC headers boto3 would add by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )

    def get_object_parameters(self, name):
        # The type from the name the app chose after detecting the format, never
        # the type a client claimed for its upload (django-storages' default).
        content_type, _ = mimetypes.guess_type(name)
        return {
            **super().get_object_parameters(name),
            "ContentType": content_type or self.default_content_type,
            "ContentDisposition": "inline",
        }

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def _save(self, name, content):
        with _s3_errors(name):
            return super()._save(name, content)

    def _open(self, name, mode="rb"):
        with _s3_errors(name):
            return super()._open(name, mode)

    def delete(self, name):
        with _s3_errors(name):
            super().delete(name)

    def exists(self, name):
        with _s3_errors(name):
            return super().exists(name)

    def size(self, name):
        with _s3_errors(name):
            return super().size(name)

    def get_modified_time(self, name):
        with _s3_errors(name):
            return super().get_modified_time(name)

    def listdir(self, name):
        with _s3_errors(name):
            return super().listdir(name)

    def stream(self, name: str):
        """The object's body straight from its GET response, read as it arrives."""
        with _s3_errors(name):
            response = self.connection.meta.client.get_object(
                Bucket=self.bucket_name, Key=self._key(name)
            )
        return response["Body"]

    def iter_files(self, folder: str, page_size: int) -> Iterator[tuple[str, datetime]]:
        """Every object directly under `folder`, one listing request per page."""
        prefix = self._key(folder).rstrip("/") + "/"
        strip = len(prefix) - len(folder.rstrip("/") + "/")  # S3_PREFIX, if any
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=prefix, Delimiter="/",
            PaginationConfig={"PageSize": page_size},
        )
        with _s3_errors(folder):
            for page in pages:
                for entry in page.get("Contents", ()):
                    yield entry["Key"][strip:], entry["LastModified"]
