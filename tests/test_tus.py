"""Resumable uploads at /api/uploads/ (tus 1.0.0), spoken header by header.

Real clients and real servers: tests/test_tus_clients.py. These tests run
in-process against the real database and storage (disk and S3 where the
`store` fixture is used) and look behind the app's back at both.
"""

import base64
import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from images import resumable
from images.errors import IncompleteChunk
from images.models import ApiKey, Image, Upload, UploadPart
from tests.conftest import body_of, files_of_all_images
from tests.corpus import png_bytes
from tests.tus import TUS, Tus
from tests.tus import noise_png as picture

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 4096


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.UPLOAD_CHUNK_SIZE = CHUNK


@pytest.fixture
def tus(client):
    return Tus(client)


def error_of(response) -> str:
    return response.json()["error"]["code"]


# --- discovery and creation ---------------------------------------------------


def test_options_lists_version_extensions_and_the_size_limit(client, settings):
    response = client.options("/api/uploads/")

    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert response["Tus-Max-Size"] == str(settings.MAX_UPLOAD_SIZE)


def test_creation_answers_201_with_the_address_and_the_expiry(tus, settings):
    settings.UPLOAD_EXPIRY = 3600
    before = timezone.now()

    response = tus.create(1000, filename="cat.png")

    assert response.status_code == 201
    upload = Upload.objects.get()
    assert response["Location"] == f"http://testserver/api/uploads/{upload.pk}/"
    expires = parsedate_to_datetime(response["Upload-Expires"])
    assert before + timedelta(seconds=3599) <= expires <= timezone.now() + timedelta(seconds=3600)
    assert (upload.length, upload.offset, upload.filename) == (1000, 0, "cat.png")


def test_creation_needs_the_protocol_version(client):
    response = client.generic("POST", "/api/uploads/", headers={"Upload-Length": "10"})

    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    assert error_of(response) == "tus_version_unsupported"
    assert Upload.objects.count() == 0


@pytest.mark.parametrize("length", [None, "", "ten", "-1", "1e3", "١٠"])
def test_creation_needs_a_length_in_whole_bytes(tus, length):
    headers = {"Upload-Length": length} if length is not None else {}
    response = tus.client.generic("POST", "/api/uploads/", headers={**TUS, **headers})

    assert response.status_code == 400
    assert error_of(response) == "invalid_tus_request"
    assert "Upload-Length" in response.json()["error"]["message"]


def test_a_deferred_length_is_refused(tus):
    response = tus.create(10, headers={"Upload-Defer-Length": "1"})

    assert response.status_code == 400
    assert error_of(response) == "invalid_tus_request"


def test_an_empty_upload_is_refused_like_an_empty_file(tus):
    response = tus.create(0)

    assert response.status_code == 400
    assert error_of(response) == "empty_file"
    assert Upload.objects.count() == 0


def test_an_upload_over_the_size_limit_is_refused_before_a_byte_is_sent(tus, settings):
    response = tus.create(settings.MAX_UPLOAD_SIZE + 1)

    assert response.status_code == 413
    assert error_of(response) == "file_too_large"
    assert Upload.objects.count() == 0


def test_creation_with_data_in_its_body_is_refused(tus):
    response = tus.client.post(
        "/api/uploads/", data=b"bytes", content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Length": "5"},
    )

    assert response.status_code == 400
    assert Upload.objects.count() == 0


@pytest.mark.parametrize(
    "header",
    ["filename not-base64!", "filename Y2F0,filename Y2F0", "filename a b", "x" * 5000],
)
def test_malformed_metadata_is_refused(tus, header):
    response = tus.create(10, headers={"Upload-Metadata": header})

    assert response.status_code == 400
    assert error_of(response) == "invalid_tus_request"
    assert Upload.objects.count() == 0


def test_metadata_without_values_and_unknown_keys_are_kept_and_repeated(tus):
    header = "filename Y2F0LnBuZw==,is_confidential,filetype aW1hZ2UvcG5n"
    path = tus.create(10, headers={"Upload-Metadata": header})["Location"]

    assert tus.head(path)["Upload-Metadata"] == header
    assert Upload.objects.get().filename == "cat.png"


def test_a_filename_that_is_not_utf8_keeps_what_it_can(tus):
    tus.create(10, headers={"Upload-Metadata": "filename Y2F0/y5wbmc="})  # b"cat\xff.png"

    assert Upload.objects.get().filename == "cat\ufffd.png"


def test_control_characters_in_a_filename_are_dropped_before_it_is_stored(tus):
    # PostgreSQL refuses NUL in text: stored as sent, this was a 500 there.
    encoded = base64.b64encode(b"cat\x00\x1b[31m.png").decode()
    response = tus.create(10, headers={"Upload-Metadata": f"filename {encoded}"})

    assert response.status_code == 201
    assert Upload.objects.get().filename == "cat[31m.png"


@pytest.mark.parametrize("value", ["59", "31536001", "soon", "60.5", "-60"])
def test_expires_in_outside_its_range_is_refused(tus, value):
    response = tus.create(10, expires_in=value)

    assert response.status_code == 400
    assert error_of(response) == "invalid_expires_in"
    assert Upload.objects.count() == 0


def test_expires_in_makes_an_expiring_image_counted_from_its_completion(tus):
    data = picture()
    path = tus.start(len(data), expires_in="3600")
    tus.patch(path, 0, data[:CHUNK])
    Upload.objects.update(created=timezone.now() - timedelta(minutes=30))

    tus.send(path, data, CHUNK, start=CHUNK)

    expected = timezone.now() + timedelta(seconds=3600)
    assert abs(Image.objects.get().expires_at - expected) < timedelta(seconds=30)


# --- private instances: API keys ----------------------------------------------


def test_a_private_instance_needs_a_key_to_begin_an_upload(tus, settings):
    settings.UPLOADS_REQUIRE_KEY = True

    response = tus.create(10)

    assert response.status_code == 401
    assert error_of(response) == "unauthorized"
    assert Upload.objects.count() == 0


def test_the_key_that_began_an_upload_is_recorded_on_its_image(tus, settings):
    settings.UPLOADS_REQUIRE_KEY = True
    key, secret = ApiKey.create("uploader")
    data = picture()
    path = tus.create(len(data), headers={"X-API-Key": secret})["Location"]

    response = tus.send(path, data, CHUNK)  # the chunks need no key: the address is the right

    assert response.status_code == 204
    assert Image.objects.get().api_key == key


def test_a_wrong_key_on_a_chunk_is_refused(tus):
    path = tus.start(100)

    response = tus.patch(path, 0, b"a" * 10, headers={"X-API-Key": "lg_nope_nope"})

    assert response.status_code == 401
    assert tus.head(path)["Upload-Offset"] == "0"


def test_creation_counts_against_the_upload_rate_limit(tus, settings):
    settings.UPLOAD_RATE_LIMIT = "1/h"
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }

    first, second = tus.create(10), tus.create(10)

    assert (first.status_code, second.status_code) == (201, 429)
    assert error_of(second) == "rate_limited"
    assert int(second["Retry-After"]) >= 1
    assert Upload.objects.count() == 1


def test_other_methods_are_405_with_the_allowed_ones(client):
    response = client.get("/api/uploads/")

    assert response.status_code == 405
    assert response["Allow"] == "OPTIONS, POST"
    assert error_of(response) == "method_not_allowed"


# --- HEAD and PATCH -----------------------------------------------------------


def test_head_tells_the_offset_length_and_expiry(tus):
    path = tus.start(10_000, filename="cat.png")
    tus.patch(path, 0, b"x" * CHUNK)

    response = tus.head(path)

    assert response.status_code == 200
    assert (response["Upload-Offset"], response["Upload-Length"]) == (str(CHUNK), "10000")
    assert response["Cache-Control"] == "no-store"
    assert parsedate_to_datetime(response["Upload-Expires"]) > timezone.now()


def test_an_unknown_upload_is_404(tus):
    response = tus.head(f"/api/uploads/{uuid.uuid4()}/")

    assert response.status_code == 404


def test_a_chunk_moves_the_offset_and_lands_in_the_store_as_a_part(tus, store):
    path = tus.start(10_000)

    response = tus.patch(path, 0, b"a" * CHUNK)

    assert response.status_code == 204
    assert response["Upload-Offset"] == str(CHUNK)
    part = UploadPart.objects.get()
    assert (part.offset, part.size) == (0, CHUNK)
    assert part.name.startswith("partial/")
    assert store.names() == [part.name]
    assert store.read(part.name) == b"a" * CHUNK


def test_a_chunk_at_the_wrong_offset_is_409_with_the_right_one(tus):
    path = tus.start(10_000)
    tus.patch(path, 0, b"a" * 100)

    response = tus.patch(path, 0, b"b" * 100)

    assert response.status_code == 409
    assert response["Upload-Offset"] == "100"
    assert error_of(response) == "offset_mismatch"
    assert tus.head(path)["Upload-Offset"] == "100"
    assert UploadPart.objects.count() == 1


def test_a_chunk_of_another_type_is_415(tus, store):
    path = tus.start(100)

    response = tus.patch(path, 0, b"a" * 10, content_type="application/octet-stream")

    assert response.status_code == 415
    assert error_of(response) == "unsupported_media_type"
    assert tus.head(path)["Upload-Offset"] == "0"
    assert store.names() == []


def test_a_chunk_without_an_offset_is_400(tus):
    path = tus.start(100)

    response = tus.client.generic(
        "PATCH", path, data=b"abc", content_type="application/offset+octet-stream", headers=TUS
    )

    assert response.status_code == 400
    assert "Upload-Offset" in response.json()["error"]["message"]


def test_a_chunk_larger_than_the_chunk_size_is_413(tus, store):
    path = tus.start(10_000)

    response = tus.patch(path, 0, b"a" * (CHUNK + 1))

    assert response.status_code == 413
    assert error_of(response) == "chunk_too_large"
    assert str(CHUNK) in response.json()["error"]["message"]
    assert store.names() == []


def test_a_chunk_past_the_declared_length_is_413(tus, store):
    path = tus.start(100)

    response = tus.patch(path, 0, b"a" * 101)

    assert response.status_code == 413
    assert error_of(response) == "upload_length_exceeded"
    assert tus.head(path)["Upload-Offset"] == "0"
    assert store.names() == []


def test_an_empty_chunk_changes_nothing(tus):
    path = tus.start(100)

    response = tus.patch(path, 0, b"")

    assert response.status_code == 204
    assert response["Upload-Offset"] == "0"


def test_a_body_shorter_than_announced_stores_nothing(tus, store):
    # A server that streams bodies (WSGI) hands the view what arrived before
    # the client went away; daphne never calls it for such a request.
    path = tus.start(100)
    upload = Upload.objects.get()

    with pytest.raises(IncompleteChunk):
        resumable.append(upload, offset=0, body=BytesIO(b"abc"), size=10)

    assert tus.head(path)["Upload-Offset"] == "0"
    assert store.names() == []
    assert UploadPart.objects.count() == 0


def test_patch_may_come_as_post_with_a_method_override(tus):
    path = tus.start(100)

    response = tus.client.post(
        path, data=b"a" * 10, content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )

    assert response.status_code == 204
    assert response["Upload-Offset"] == "10"


# --- the completing PATCH -----------------------------------------------------


def test_the_last_chunk_makes_the_image_and_answers_its_id_url_and_token(tus, store, client):
    data = picture()
    assert len(data) > 3 * CHUNK

    response = tus.upload(data, CHUNK, filename="noise.png")

    assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(data))
    image = Image.objects.get()
    assert response["Image-Id"] == str(image.pk)
    assert response["Image-Url"] == f"http://testserver/api/images/{image.pk}/"
    assert image.has_delete_token(response["Image-Delete-Token"])
    assert image.name == "noise.png"
    assert body_of(client.get(f"/image/{image.pk}")) == data
    assert store.names() == files_of_all_images()  # the parts are gone
    assert UploadPart.objects.count() == 0
    deleted = client.delete(
        response["Image-Url"],
        headers={"Authorization": f"Bearer {response['Image-Delete-Token']}"},
    )
    assert deleted.status_code == 204


def test_after_completion_head_still_names_the_image_without_its_token(tus):
    data = picture()
    path = tus.start(len(data))
    image_id = tus.send(path, data, CHUNK)["Image-Id"]

    response = tus.head(path)

    assert response.status_code == 200
    assert response["Upload-Offset"] == response["Upload-Length"] == str(len(data))
    assert response["Image-Id"] == image_id
    assert "Image-Delete-Token" not in response


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"just some text, long enough to need two chunks " * 200, 415, "unsupported_image"),
        (picture()[:-100], 415, "corrupt_image"),
    ],
    ids=["text", "truncated"],
)
def test_a_refused_file_answers_like_a_one_shot_upload_and_leaves_nothing(
    tus, store, data, status, code
):
    path = tus.start(len(data))

    response = tus.send(path, data, CHUNK)

    assert response.status_code == status
    assert error_of(response) == code
    assert Image.objects.count() == 0
    assert Upload.objects.count() == UploadPart.objects.count() == 0
    assert store.names() == []
    assert tus.head(path).status_code == 404


def test_a_refusal_by_pixels_is_413_as_for_a_one_shot_upload(tus, settings):
    settings.MAX_IMAGE_PIXELS = 100
    response = tus.upload(png_bytes(20, 20), CHUNK)

    assert response.status_code == 413
    assert error_of(response) == "image_too_large"


def test_the_store_failing_at_the_end_keeps_the_upload_for_another_try(tus, s3_store):
    data = picture()
    path = tus.start(len(data))
    last = (len(data) - 1) // CHUNK * CHUNK
    tus.send(path, data[:last], CHUNK)
    s3_store.faults.refuse("PUT", r"/images/\d+\.png$")

    failed = tus.patch(path, last, data[last:])

    assert failed.status_code == 503
    assert error_of(failed) == "storage_unavailable"
    assert tus.head(path)["Upload-Offset"] == str(last)
    assert Image.objects.count() == 0
    s3_store.faults.heal()
    finished = tus.patch(path, last, data[last:])
    assert finished.status_code == 204
    assert s3_store.read(Image.objects.get().path) == data
    assert s3_store.names() == files_of_all_images()


def test_a_part_gone_from_the_store_ends_the_upload_with_410(tus, store):
    data = picture()
    path = tus.start(len(data))
    tus.patch(path, 0, data[:CHUNK])
    store.remove(UploadPart.objects.get().name)

    response = tus.send(path, data, CHUNK, start=CHUNK)

    assert response.status_code == 410
    assert error_of(response) == "upload_data_lost"
    assert Upload.objects.count() == Image.objects.count() == 0
    assert store.names() == []


def test_a_chunk_arriving_while_another_request_finishes_the_upload_is_423(tus):
    data = picture()
    path = tus.start(len(data))
    Upload.objects.update(finishing_since=timezone.now())

    response = tus.patch(path, 0, data[:CHUNK])

    assert response.status_code == 423
    assert error_of(response) == "upload_locked"
    assert tus.delete(path).status_code == 423
    assert tus.head(path)["Upload-Offset"] == "0"


def test_a_lease_left_by_a_request_that_died_is_taken_over(tus):
    data = picture()
    path = tus.start(len(data))
    Upload.objects.update(finishing_since=timezone.now() - resumable.FINISH_LEASE)

    assert tus.send(path, data, CHUNK).status_code == 204
    assert Image.objects.count() == 1


# --- whose image it is --------------------------------------------------------


@pytest.fixture
def browser():
    """A client that, like a browser, is held to Django's CSRF checks."""
    return Client(enforce_csrf_checks=True)


def csrf_headers(client) -> dict:
    """What the Upload page's script sends: its CSRF token, with the cookie set by the page."""
    client.get("/upload/")
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


def test_an_upload_from_the_page_belongs_to_its_browser_session(browser):
    tus = Tus(browser)
    headers = csrf_headers(browser)
    data = picture()
    path = tus.create(len(data), headers=headers)["Location"]

    response = tus.send(path, data, CHUNK, headers=headers)

    assert response.status_code == 204
    picker = browser.get("/delete/").content.decode()
    assert f'name="id" value="{response["Image-Id"]}"' in picker
    assert 'name="id" value=' not in Client().get("/delete/").content.decode()


def test_a_script_upload_belongs_to_no_session(browser):
    browser.get("/upload/")  # a session and a CSRF cookie, but no token sent

    response = Tus(browser).upload(picture(), CHUNK)

    assert response.status_code == 204
    assert Image.objects.get().uploader_digest == ""


def test_a_wrong_csrf_token_is_refused(browser):
    csrf_headers(browser)

    response = Tus(browser).create(10, headers={"X-CSRFToken": "x" * 64})

    assert response.status_code == 403
    assert error_of(response) == "csrf_failed"
    assert Upload.objects.count() == 0


# --- termination and expiry ---------------------------------------------------


def test_termination_removes_the_upload_and_its_parts(tus, store):
    path = tus.start(10_000)
    tus.patch(path, 0, b"a" * CHUNK)

    response = tus.delete(path)

    assert response.status_code == 204
    assert tus.head(path).status_code == 404
    assert tus.patch(path, CHUNK, b"a").status_code == 404
    assert store.names() == []


def test_terminating_an_unknown_upload_is_404(tus):
    assert tus.delete(f"/api/uploads/{uuid.uuid4()}/").status_code == 404


def test_terminating_a_finished_upload_keeps_its_image(tus):
    data = picture()
    path = tus.start(len(data))
    tus.send(path, data, CHUNK)

    assert tus.delete(path).status_code == 204
    assert Image.objects.count() == 1


def expire_all():
    Upload.objects.update(expires=timezone.now() - timedelta(seconds=1))


def test_an_expired_upload_is_410_until_it_is_removed(tus):
    path = tus.start(10_000)
    expire_all()

    assert tus.head(path).status_code == 410
    response = tus.patch(path, 0, b"a")
    assert response.status_code == 410
    assert error_of(response) == "upload_expired"


def test_expired_uploads_are_removed_with_their_parts(tus, store):
    kept = tus.start(10_000)
    tus.patch(kept, 0, b"k" * CHUNK)
    gone = tus.start(10_000)
    tus.patch(gone, 0, b"g" * CHUNK)
    Upload.objects.filter(pk=gone.split("/")[-2]).update(expires=timezone.now())

    assert resumable.remove_expired() == 1

    assert tus.head(gone).status_code == 404
    assert tus.head(kept)["Upload-Offset"] == str(CHUNK)
    assert [store.read(name) for name in store.names()] == [b"k" * CHUNK]


def test_an_upload_being_finished_is_not_removed_under_its_request(tus):
    tus.start(10_000)
    expire_all()
    Upload.objects.update(finishing_since=timezone.now())

    assert resumable.remove_expired() == 0
    assert Upload.objects.count() == 1


def reconcile(*args):
    out = StringIO()
    call_command("reconcile_media", *args, stdout=out)
    return out.getvalue()


def test_reconcile_media_reports_expired_uploads_and_stray_parts(tus, store):
    path = tus.start(10_000)
    tus.patch(path, 0, b"a" * CHUNK)
    expire_all()
    store.write("partial/left-by-a-crash", b"bytes")

    report = reconcile("--min-age", "0")

    assert "expired upload: " + path.split("/")[-2] in report
    assert "part without upload: partial/left-by-a-crash" in report
    assert Upload.objects.count() == 1
    assert len(store.names()) == 2


def test_reconcile_media_fix_removes_expired_uploads_and_stray_parts(tus, store):
    path = tus.start(10_000)
    tus.patch(path, 0, b"a" * CHUNK)
    live = tus.start(10_000)
    tus.patch(live, 0, b"b" * CHUNK)
    Upload.objects.filter(pk=path.split("/")[-2]).update(expires=timezone.now())
    store.write("partial/left-by-a-crash", b"bytes")

    report = reconcile("--fix", "--min-age", "0")

    assert "removed 1 expired upload(s), 1 part(s) without upload" in report
    assert Upload.objects.count() == 1
    assert [store.read(name) for name in store.names()] == [b"b" * CHUNK]


def test_reconcile_media_leaves_young_stray_parts_alone(store):
    store.write("partial/being-written", b"bytes")

    report = reconcile("--fix")

    assert store.names() == ["partial/being-written"]
    assert "removed 0 expired upload(s), 0 part(s) without upload" in report
