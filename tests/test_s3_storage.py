"""Media on S3 (moto's server): what objects look like, and S3 failing mid-way.

The guarantees both backends share (faults, reconcile_media, serving) are
tested on both through the `store` fixture; these are S3's own: object
metadata, the prefix, and S3 refusing, dropping or vanishing under an upload,
a read or a delete. `s3_store.faults` is the proxy between the app and S3.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from images.models import Image
from tests.conftest import body_of, files_of_all_images
from tests.corpus import gif_bytes, jpeg_bytes, png_bytes, webp_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ORIGINAL = r"/images/\d+\.png$"
LARGE_PREVIEW = r"/images/\d+\.w640\.webp$"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg"),
     (gif_bytes(), "image/gif"), (webp_bytes(), "image/webp")],
)
def test_objects_carry_the_detected_type_and_inline_whatever_the_client_claimed(
    client, s3_store, data, content_type
):
    response = client.post(
        "/api/images/",
        {"file": SimpleUploadedFile("upload.bin", data, content_type="text/html")},
    )

    image = Image.objects.get(pk=response.json()["id"])
    assert s3_store.names() == sorted(image.stored_names())
    original = s3_store.head(image.path)
    assert (original["ContentType"], original["ContentDisposition"]) == (content_type, "inline")
    assert s3_store.read(image.path) == data
    for preview in image.stored_names()[1:]:
        head = s3_store.head(preview)
        assert (head["ContentType"], head["ContentDisposition"]) == ("image/webp", "inline")


def test_objects_live_under_the_prefix_named_like_files_on_disk(upload, s3_store):
    image_id = upload(png_bytes()).json()["id"]

    keys = [o["Key"] for o in s3_store.client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]]

    assert sorted(keys) == [
        f"media/images/{image_id}.png",
        f"media/images/{image_id}.w320.webp",
        f"media/images/{image_id}.w640.webp",
    ]


def test_s3_refusing_the_original_is_503_and_leaves_nothing(upload, s3_store):
    s3_store.faults.refuse("PUT", ORIGINAL, status=403, code="AccessDenied")

    response = upload(png_bytes())

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert Image.objects.count() == 0
    assert s3_store.names() == []


def test_s3_unreachable_mid_upload_is_503_and_leaves_no_partial_object(upload, s3_store):
    s3_store.faults.drop("PUT", ORIGINAL)  # every attempt is cut half-way through its body

    response = upload(png_bytes(width=200, height=200))

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert Image.objects.count() == 0
    assert s3_store.names() == []


def test_after_an_outage_uploads_work_again(upload, s3_store):
    s3_store.faults.drop("*")
    assert upload(png_bytes()).status_code == 503

    s3_store.faults.heal()

    assert upload(png_bytes()).status_code == 201
    assert s3_store.names() == files_of_all_images() != []


def test_a_used_up_quota_is_507_like_a_full_disk(upload, s3_store):
    s3_store.faults.refuse("PUT", ORIGINAL, status=403, code="QuotaExceeded")

    response = upload(png_bytes())

    assert response.status_code == 507
    assert response.json()["error"]["code"] == "insufficient_storage"
    assert s3_store.names() == []


def test_a_refused_preview_keeps_the_image_and_no_stray_preview(upload, s3_store):
    s3_store.faults.refuse("PUT", LARGE_PREVIEW)

    response = upload(png_bytes())

    assert response.status_code == 201
    image = Image.objects.get()
    assert not image.has_thumbnails
    assert s3_store.names() == [image.path]


def test_a_preview_stranded_by_an_outage_is_found_and_removed_by_reconcile_media(
    upload, s3_store
):
    # S3 goes away after the first preview: the second fails, and so does the
    # clean-up of the first, which is left behind without a row of its own.
    s3_store.faults.drop("PUT", LARGE_PREVIEW)
    s3_store.faults.drop("DELETE")
    assert upload(png_bytes()).status_code == 201
    image = Image.objects.get()
    stranded = f"images/{image.pk}.w320.webp"
    assert s3_store.names() == sorted([image.path, stranded])
    s3_store.faults.heal()

    call_command("reconcile_media", "--fix", "--min-age", "0", stdout=None)

    assert s3_store.names() == [image.path] == files_of_all_images()


def test_a_delete_while_s3_is_unreachable_still_deletes_the_row(client, upload, s3_store):
    body = upload(png_bytes()).json()
    s3_store.faults.drop("DELETE")

    response = client.delete(
        f"/api/images/{body['id']}/", headers={"authorization": f"Bearer {body['delete_token']}"}
    )

    assert response.status_code == 204
    assert Image.objects.count() == 0
    s3_store.faults.heal()
    assert len(s3_store.names()) == 3  # left for reconcile_media, logged
    call_command("reconcile_media", "--fix", "--min-age", "0", stdout=None)
    assert s3_store.names() == []


def test_reading_while_s3_is_unreachable_is_503_not_500(client, make_image, s3_store):
    image = make_image().image
    s3_store.faults.drop("GET")

    response = client.get(f"/image/{image.pk}", headers={"accept": "application/json"})

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert response["Retry-After"] == "5"


def test_a_page_asking_for_bytes_while_s3_is_unreachable_gets_a_503_page(
    client, make_image, s3_store
):
    image = make_image().image
    s3_store.faults.drop("GET")

    response = client.get(f"/image/{image.pk}", headers={"accept": "text/html"})

    assert response.status_code == 503
    assert b"unavailable" in response.content


def test_bytes_stream_from_one_get_of_the_object(client, make_image, s3_store):
    """No HEAD first and no download to a local file: the GET's body is the response."""
    data = png_bytes(width=300, height=300)
    image = make_image(data=data).image
    s3_store.faults.requests.clear()

    response = client.get(f"/image/{image.pk}")

    assert body_of(response) == data
    assert s3_store.faults.requests == [("GET", f"/{s3_store.bucket}/media/{image.path}")]
