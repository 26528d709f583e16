"""Faults half-way through an upload: nothing lost, nothing orphaned, no 500."""

import os
import subprocess
import uuid

import pytest
from django.db import DataError, InterfaceError, OperationalError, ProgrammingError, connection
from django.test import Client
from PIL import Image as PILImage

from images.models import Image
from tests.conftest import files_of_all_images, stored_files

pytestmark = pytest.mark.django_db(transaction=True)


def noisy_png(width=200, height=200) -> bytes:
    """A valid PNG that does not compress: about width × height × 3 bytes."""
    import io

    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def small_disk(tmp_path, settings):
    """MEDIA_ROOT on a real 32 KiB file system, so writes fail with ENOSPC."""
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(mountpoint)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {result.stderr.strip()}")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": mountpoint, "allow_overwrite": True},
        },
    }
    yield mountpoint
    subprocess.run(["umount", str(mountpoint)], check=True)


def test_a_full_disk_is_507_and_leaves_no_partial_file_and_no_row(upload, small_disk):
    response = upload(noisy_png(), "big.png")

    assert response.status_code == 507
    assert response.json()["error"]["code"] == "insufficient_storage"
    assert Image.objects.count() == 0
    assert stored_files(small_disk) == []


def test_after_a_full_disk_a_small_upload_still_works(upload, small_disk):
    from tests.corpus import png_bytes

    upload(noisy_png(), "big.png")

    assert upload(png_bytes(), "small.png").status_code == 201
    assert stored_files(small_disk) == files_of_all_images() != []


def test_an_unwritable_media_folder_is_503_and_leaves_nothing(upload, media_root):
    from tests.corpus import png_bytes

    media_root.mkdir(parents=True, exist_ok=True)
    media_root.joinpath("images").write_text("a file where the folder should be")

    response = upload(png_bytes())

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert Image.objects.count() == 0


def fail_when(sql_prefix, error=OperationalError):
    """A database wrapper that fails statements starting with `sql_prefix`."""

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(sql_prefix):
            raise error("simulated database failure")
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_that_cannot_be_reached_is_503_try_again(error):
    with connection.execute_wrapper(fail_when("SELECT", error)):
        response = Client().get("/api/images/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize("error", [ProgrammingError, DataError])
def test_a_database_error_that_is_a_bug_is_a_500_with_its_traceback_logged(error, caplog):
    with connection.execute_wrapper(fail_when("SELECT", error)):
        response = Client(raise_request_exception=False).get("/api/images/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    (logged,) = [r for r in caplog.records if r.name == "django.request"]
    assert logged.exc_info[0] is error


def test_a_database_failure_after_the_file_was_written_leaves_no_file(upload, store):
    from tests.corpus import png_bytes

    with connection.execute_wrapper(fail_when("UPDATE")):
        response = upload(png_bytes())

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert Image.objects.count() == 0
    assert store.names() == []


def commit_lost(monkeypatch, *, stored: bool):
    """The connection breaks as the COMMIT is sent: the server may have stored
    the transaction (`stored`) or not; either way no answer comes back."""
    commit = connection._commit

    def lost():
        if stored:
            commit()
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "_commit", lost)


@pytest.mark.parametrize("stored", [False, True], ids=["not-stored", "stored"])
def test_a_commit_lost_in_doubt_keeps_the_files_until_the_database_answers(
    upload, store, monkeypatch, stored
):
    from images import in_doubt
    from tests.corpus import png_bytes

    with monkeypatch.context() as patch:
        commit_lost(patch, stored=stored)
        response = upload(png_bytes())

    assert response.status_code == 503
    # Whether the row is there cannot be known yet: removing the files now
    # could leave a row without its file.
    (image_id,) = in_doubt.pending()
    assert store.names() != []

    in_doubt.settle()

    assert in_doubt.pending() == set()
    if stored:
        image = Image.objects.get(pk=image_id)
        assert store.names() == sorted(image.stored_names())
        assert Client().get(f"/image/{image_id}").status_code == 200
    else:
        assert not Image.objects.exists()
        assert store.names() == []


def test_uploads_in_doubt_stay_remembered_while_the_database_is_away(upload, store, monkeypatch):
    from images import in_doubt
    from tests.corpus import png_bytes

    with monkeypatch.context() as patch:
        commit_lost(patch, stored=False)
        upload(png_bytes())
    (image_id,) = in_doubt.pending()

    with connection.execute_wrapper(fail_when("SELECT")), pytest.raises(OperationalError):
        in_doubt.settle()

    assert in_doubt.pending() == {image_id}
    in_doubt.settle()
    assert store.names() == []


def test_an_upload_that_committed_answers_201_though_the_database_fails_right_after(
    upload, store
):
    """Once the row is committed the answer needs no more queries: a failure then
    (the database going away) would tell the client "not stored" about a stored
    image, whose delete token it then never learns."""
    import threading

    from django.db import transaction
    from django.db.models.signals import post_save

    from tests.corpus import png_bytes

    committed = threading.Event()

    def watch(sender, instance, created, **kwargs):
        if created:
            transaction.on_commit(committed.set)

    def database_gone(execute, sql, params, many, context):
        if committed.is_set():
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    post_save.connect(watch, sender=Image)
    try:
        with connection.execute_wrapper(database_gone):
            first = upload(png_bytes(), "a.png")
    finally:
        post_save.disconnect(watch, sender=Image)

    assert first.status_code == 201, first.content
    assert first.json()["duplicates"] == []
    image = Image.objects.get()
    assert store.names() == sorted(image.stored_names())
    second = upload(png_bytes(), "b.png")
    assert second.json()["duplicates"] == [image.pk]


def test_a_failed_delete_keeps_row_and_file(client, upload, store):
    from tests.corpus import png_bytes

    body = upload(png_bytes()).json()

    with connection.execute_wrapper(fail_when("DELETE")):
        response = client.delete(
            f"/api/images/{body['id']}/",
            headers={"authorization": f"Bearer {body['delete_token']}"},
        )

    assert response.status_code == 503
    assert Image.objects.filter(pk=body["id"]).exists()
    assert store.names() == files_of_all_images() != []


def test_an_id_whose_file_name_is_taken_by_a_crash_leftover_overwrites_it(upload, store):
    from tests.corpus import png_bytes

    first = upload(png_bytes(), "first.png").json()
    leftover = f"images/{first['id'] + 1}.png"
    store.write(leftover, b"crash leftover " + uuid.uuid4().bytes)
    data = png_bytes(width=9, height=9)

    second = upload(data, "second.png").json()  # no name clash: it takes the next id

    assert second["id"] == first["id"] + 1
    assert store.read(leftover) == data


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"<html>not an image</html>", 415), (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 415)],
    ids=["text", "truncated-png"],
)
def test_a_refused_file_leaves_nothing_in_the_store(upload, store, data, status):
    response = upload(data, "refused.png")

    assert response.status_code == status
    assert Image.objects.count() == 0
    assert store.names() == []
