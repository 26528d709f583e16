"""manage.py reconcile_media: orphan files and rows without files, on disk and on S3."""

import os
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from images.models import Image

pytestmark = pytest.mark.django_db(transaction=True)

# Every file the tests plant is older than this (none at all): only the tests
# of the in-flight protection use the default of ten minutes.
OLD = ("--min-age", "0")


def reconcile(*args):
    out = StringIO()
    call_command("reconcile_media", *args, stdout=out)
    return out.getvalue()


def test_a_consistent_store_reports_nothing(make_image, store):
    make_image()

    report = reconcile(*OLD)

    assert report.strip().endswith(
        "found 0 file(s) without row, 0 row(s) without file, 0 upload temp file(s)"
    )


@pytest.fixture
def damaged_store(make_image, store):
    """One healthy image, one whose file is gone, and a file with no row."""
    kept = make_image("kept.png").image
    lost = make_image("lost.png").image
    store.remove(lost.path)
    store.write("images/999.png", b"left over by a crash")
    return kept, lost


def test_it_reports_orphans_and_missing_files_without_fixing(damaged_store, store):
    kept, lost = damaged_store

    report = reconcile(*OLD)

    assert "file without row: images/999.png" in report
    assert f"row without file: id={lost.pk}" in report
    assert "images/999.png" in store.names()
    assert set(Image.objects.values_list("pk", flat=True)) == {kept.pk, lost.pk}


def test_fix_removes_orphans_and_rows_without_files(damaged_store, store):
    kept, lost = damaged_store

    report = reconcile("--fix", *OLD)

    # The lost image's previews go with its row, after the delete commits.
    assert "removed 1 file(s) without row, 1 row(s) without file" in report
    assert store.names() == sorted(kept.stored_names())
    assert list(Image.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_listing_of_many_pages_misses_nothing(make_image, store):
    images = [make_image(f"cat{n}.png").image for n in range(4)]  # 12 files
    store.remove(images[2].path)
    store.write("images/999.png", b"orphan, listed last")

    report = reconcile("--fix", *OLD, "--page-size", "2")

    assert "removed 1 file(s) without row, 1 row(s) without file" in report
    assert store.names() == sorted(n for i in images if i != images[2] for n in i.stored_names())


def test_s3_is_listed_one_page_per_request(make_image, s3_store):
    for n in range(3):
        make_image(f"cat{n}.png")  # 9 objects
    s3_store.faults.requests.clear()

    reconcile(*OLD, "--page-size", "2")

    listings = [path for method, path in s3_store.faults.requests if "list-type=2" in path]
    # images/ in five pages of two, the empty expiring/ and partial/ in one each.
    assert len(listings) == 7
    assert sum("prefix=media%2Fexpiring%2F" in path for path in listings) == 1
    assert sum("prefix=media%2Fpartial%2F" in path for path in listings) == 1
    assert all("max-keys=2" in path for path in listings)


def test_thumbnails_belong_to_their_image(make_image, store):
    image = make_image().image

    assert image.has_thumbnails
    assert "removed 0 file(s) without row" in reconcile("--fix", *OLD)
    assert store.names() == sorted(image.stored_names())


def test_fix_leaves_a_fresh_file_alone_as_a_possible_upload_in_flight(make_image, store):
    make_image()
    store.write("images/12345.png", b"being uploaded right now")

    reconcile("--fix")

    assert "images/12345.png" in store.names()


def test_fix_removes_a_file_older_than_min_age(media_root, make_image):
    from tests.stores import DiskStore

    disk = DiskStore(media_root)
    make_image()
    disk.write("images/12345.png", b"left over an hour ago")
    disk.age("images/12345.png", seconds=3600)

    reconcile("--fix")

    assert "images/12345.png" not in disk.names()


@pytest.fixture
def upload_temp_dir(tmp_path, settings):
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def test_fix_removes_upload_temp_files_a_killed_server_left(upload_temp_dir):
    left = upload_temp_dir / "tmpab12cd.upload.jpg"
    left.write_bytes(b"x" * 1000)
    an_hour_ago = time.time() - 3600
    os.utime(left, (an_hour_ago, an_hour_ago))
    in_flight = upload_temp_dir / "tmpef34gh.upload.png"
    in_flight.write_bytes(b"being received right now")

    report = reconcile("--fix")

    assert f"upload temp file left behind: {left}" in report
    assert "1 upload temp file(s)" in report
    assert not left.exists()
    assert in_flight.exists()


def test_an_empty_store_is_fine(store):
    assert "found 0 file(s)" in reconcile()


def test_a_page_size_beyond_what_s3_allows_is_refused():
    with pytest.raises(CommandError, match="--page-size must be between 1 and 1000"):
        reconcile("--page-size", "5000")


def test_fix_announces_the_removed_rows_to_live_galleries(make_image, store, settings):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("gallery", channel)
    lost = make_image("lost.png").image
    async_to_sync(layer.receive)(channel)  # its image.created
    store.remove(lost.path)

    reconcile("--fix", *OLD)

    event = async_to_sync(layer.receive)(channel)
    assert (event["type"], event["id"]) == ("image.deleted", lost.pk)
