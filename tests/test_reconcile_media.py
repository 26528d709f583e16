"""manage.py reconcile_media: orphan files and rows without files."""

import os
import time
from io import StringIO

import pytest
from django.core.management import call_command

from images.models import Image
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db(transaction=True)


def reconcile(*args):
    out = StringIO()
    call_command("reconcile_media", *args, stdout=out)
    return out.getvalue()


def age(path, seconds=3600):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_consistent_store_reports_nothing(make_image):
    make_image()

    assert reconcile().strip().endswith("found 0 file(s) without row, 0 row(s) without file")


@pytest.fixture
def damaged_store(make_image, media_root):
    """One healthy image, one whose file is gone, and an old file with no row."""
    kept = make_image("kept.png").image
    lost = make_image("lost.png").image
    (media_root / lost.path).unlink()
    orphan = media_root / "images" / "999.png"
    orphan.write_bytes(b"left over by a crash")
    age(orphan)
    return kept, lost, orphan


def test_it_reports_orphans_and_missing_files_without_fixing(damaged_store):
    kept, lost, orphan = damaged_store

    report = reconcile()

    assert "file without row: images/999.png" in report
    assert f"row without file: id={lost.pk}" in report
    assert orphan.exists()
    assert set(Image.objects.values_list("pk", flat=True)) == {kept.pk, lost.pk}


def test_fix_removes_orphans_and_rows_without_files(damaged_store, media_root):
    kept, _, _ = damaged_store

    report = reconcile("--fix")

    assert "removed 1 file(s) without row, 1 row(s) without file" in report
    assert stored_files(media_root) == sorted(kept.stored_names())
    assert list(Image.objects.values_list("pk", flat=True)) == [kept.pk]


def test_thumbnails_belong_to_their_image(make_image, media_root):
    image = make_image().image
    for name in image.stored_names():
        age(media_root / name)

    assert image.has_thumbnails
    assert "removed 0 file(s) without row" in reconcile("--fix")
    assert stored_files(media_root) == sorted(image.stored_names())


def test_fix_leaves_a_fresh_file_alone_as_a_possible_upload_in_flight(media_root, make_image):
    make_image()
    fresh = media_root / "images" / "12345.png"
    fresh.write_bytes(b"being uploaded right now")

    reconcile("--fix")

    assert fresh.exists()


def test_an_empty_store_is_fine():
    assert "found 0 file(s)" in reconcile()


def test_fix_announces_the_removed_rows_to_live_galleries(make_image, media_root, settings):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("gallery", channel)
    lost = make_image("lost.png").image
    async_to_sync(layer.receive)(channel)  # its image.created
    (media_root / lost.path).unlink()

    reconcile("--fix")

    event = async_to_sync(layer.receive)(channel)
    assert (event["type"], event["id"]) == ("image.deleted", lost.pk)
