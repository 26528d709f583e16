"""Find (and with --fix, repair) disagreements between rows and stored files.

Normally there are none: the upload undoes its file when its transaction
fails, and deletes remove the file after commit. A crash between those steps,
or someone editing the media folder by hand, can still leave
- files with no row (orphans): taking space, served by nobody — removed, and
- rows with no file (missing): listed but 404 — removed, which announces
  `image.deleted` to open galleries like any other delete, and
- upload temp files (UPLOAD_TEMP_DIR) left by a server killed mid-upload,
- resumable uploads past their expiry (UPLOAD_EXPIRY) — removed with their
  stored parts, as the app itself removes them — and stored parts that no
  upload records (a server killed between storing a chunk and recording it).

An upload writes its file before its transaction commits, so a very recent
file without a row may be an upload in flight: files (and temp files)
younger than --min-age are left alone; so are young stored parts.

It works the same on disk and on S3 (images.storage): the store is listed a
page at a time (--page-size names per listing request), never in one call for
everything, and each file's age comes with the listing.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from images import resumable
from images.models import FOLDERS, Image, Upload
from images.storage import LISTING_PAGE_SIZE, discard, stored_files
from images.uploads import stale_temp_files


class Command(BaseCommand):
    help = (
        "Report files without rows, rows without files, expired uploads and stray parts; "
        "--fix removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="delete orphan files and rows")
        parser.add_argument(
            "--min-age", type=int, default=600, metavar="SECONDS",
            help="ignore files younger than this (uploads in flight); default 600",
        )
        parser.add_argument(
            "--page-size", type=int, default=LISTING_PAGE_SIZE, metavar="N",
            help=f"names per listing request; default {LISTING_PAGE_SIZE}",
        )

    def handle(self, *, fix: bool, min_age: int, page_size: int, **options):
        if not 1 <= page_size <= LISTING_PAGE_SIZE:
            raise CommandError(f"--page-size must be between 1 and {LISTING_PAGE_SIZE}.")
        images = Image.objects.only(
            "pk", "path", "content_type", "has_thumbnails", "expires_at"
        )
        owned = {name for image in images.iterator() for name in image.stored_names()}
        originals = dict(images.values_list("path", "pk"))
        cutoff = timezone.now() - timedelta(seconds=min_age)
        found, orphans = set(), []
        listed = (item for folder in FOLDERS for item in stored_files(folder, page_size))
        for name, modified in listed:
            if name in originals:
                found.add(name)
            elif name not in owned and modified < cutoff:
                orphans.append(name)
        orphans.sort()
        missing = sorted(originals[path] for path in originals.keys() - found)
        temp_files = stale_temp_files(min_age)
        expired = list(Upload.objects.expired().values_list("pk", flat=True))
        stray_parts = sorted(resumable.stale_parts(min_age, page_size))

        for name in orphans:
            self.stdout.write(f"file without row: {name}")
        for pk in missing:
            self.stdout.write(f"row without file: id={pk}")
        for path in temp_files:
            self.stdout.write(f"upload temp file left behind: {path}")
        for pk in expired:
            self.stdout.write(f"expired upload: {pk}")
        for name in stray_parts:
            self.stdout.write(f"part without upload: {name}")
        if fix:
            for name in orphans:
                default_storage.delete(name)
            # One by one through the ORM, so signals fire (file cleanup, events).
            for image in Image.objects.filter(pk__in=missing):
                image.delete()
            for path in temp_files:
                path.unlink(missing_ok=True)
            resumable.remove_expired()
            discard(stray_parts)
        verb = "removed" if fix else "found"
        self.stdout.write(
            f"{verb} {len(expired)} expired upload(s), {len(stray_parts)} part(s) without upload"
        )
        self.stdout.write(
            f"{verb} {len(orphans)} file(s) without row, {len(missing)} row(s) without file, "
            f"{len(temp_files)} upload temp file(s)"
        )
