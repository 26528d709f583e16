"""Find (and with --fix, repair) disagreements between rows and stored files.

Normally there are none: the upload undoes its file when its transaction
fails, and deletes remove the file after commit. A crash between those steps,
or someone editing the media folder by hand, can still leave
- files with no row (orphans): taking space, served by nobody — removed, and
- rows with no file (missing): listed but 404 — removed, which announces
  `image.deleted` to open galleries like any other delete.

An upload writes its file before its transaction commits, so a very recent
file without a row may be an upload in flight: files younger than --min-age
are left alone.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from images.models import Image

FOLDER = "images"


class Command(BaseCommand):
    help = "Report files without rows and rows without files; --fix removes both."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="delete orphan files and rows")
        parser.add_argument(
            "--min-age", type=int, default=600, metavar="SECONDS",
            help="ignore files younger than this (uploads in flight); default 600",
        )

    def handle(self, *, fix: bool, min_age: int, **options):
        stored = set(_stored_files())
        images = Image.objects.only("pk", "path", "content_type", "has_thumbnails")
        owned = {name for image in images for name in image.stored_names()}
        originals = dict(images.values_list("path", "pk"))
        cutoff = timezone.now() - timedelta(seconds=min_age)
        orphans = sorted(
            name for name in stored - owned
            if default_storage.get_modified_time(name) < cutoff
        )
        missing = sorted(originals[path] for path in originals.keys() - stored)

        for name in orphans:
            self.stdout.write(f"file without row: {name}")
        for pk in missing:
            self.stdout.write(f"row without file: id={pk}")
        if fix:
            for name in orphans:
                default_storage.delete(name)
            # One by one through the ORM, so signals fire (file cleanup, events).
            for image in Image.objects.filter(pk__in=missing):
                image.delete()
        verb = "removed" if fix else "found"
        self.stdout.write(
            f"{verb} {len(orphans)} file(s) without row, {len(missing)} row(s) without file"
        )


def _stored_files():
    if not default_storage.exists(FOLDER):
        return
    _, files = default_storage.listdir(FOLDER)
    for name in files:
        yield f"{FOLDER}/{name}"
