"""POST /api/images/: what is accepted, what is refused, and what is left behind."""

import io

import pytest
from PIL import Image as PILImage
from PIL import ImageSequence

from images.models import Image
from tests.conftest import body_of, stored_files
from tests.corpus import accepted_cases, gif_bytes, jpeg_bytes, png_bytes, refused_cases, webp_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_of_png_is_201_with_the_image_object(upload, media_root):
    data = png_bytes(width=12, height=7)
    response = upload(data, "cat.png")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "cat.png"
    assert body["size"] == len(data)
    assert (body["content_type"], body["width"], body["height"]) == ("image/png", 12, 7)
    assert body["url"] == f"http://testserver/image/{body['id']}"
    assert body["page_url"] == f"http://testserver/images/{body['id']}/"
    assert response["Location"] == f"http://testserver/api/images/{body['id']}/"
    assert body["date"].endswith("+00:00")
    assert len(body["delete_token"]) >= 40


def test_upload_stores_the_bytes_unchanged_under_a_server_made_path(upload, media_root):
    data = png_bytes()
    body = upload(data, "../../evil name.png").json()

    image = Image.objects.get(pk=body["id"])
    assert image.path == f"images/{image.pk}.png"
    assert image.has_thumbnails
    assert stored_files(media_root) == sorted(
        [image.path, f"images/{image.pk}.w320.webp", f"images/{image.pk}.w640.webp"]
    )
    assert (media_root / image.path).read_bytes() == data


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (png_bytes(), "image/png", "png"),
        (jpeg_bytes(), "image/jpeg", "jpg"),
        (gif_bytes(frames=3), "image/gif", "gif"),
        (webp_bytes(), "image/webp", "webp"),
    ],
    ids=["png", "jpeg", "gif", "webp"],
)
def test_each_accepted_format_is_detected_by_content(upload, data, content_type, extension):
    body = upload(data, "no-extension-hint.bin").json()

    assert body["content_type"] == content_type
    assert Image.objects.get(pk=body["id"]).path.endswith("." + extension)


@pytest.mark.parametrize("case", accepted_cases(), ids=lambda case: case.id)
def test_corpus_image_is_accepted_and_served_back(upload, client, case):
    response = upload(case.data, case.filename)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == case.content_type
    assert (body["width"], body["height"]) == (case.width, case.height)
    served = body_of(client.get(f"/image/{body['id']}"))
    assert decoded_frames(served) == decoded_frames(case.data)
    if not has_metadata(case):
        assert served == case.data


METADATA_CASES = {"jpeg-exif-orientation6-gps", "png-script-text-chunk", "png-appended-php"}


def has_metadata(case):
    return case.id in METADATA_CASES


def decoded_frames(data: bytes) -> list[bytes]:
    with PILImage.open(io.BytesIO(data)) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def test_every_metadata_case_of_the_corpus_is_known(upload):
    """Guards METADATA_CASES: any other accepted case must be stored byte for byte."""
    import tempfile

    from images.metadata import strip_metadata

    for case in accepted_cases():
        with tempfile.TemporaryFile() as sink:
            removed = strip_metadata(io.BytesIO(case.data), sink, case.content_type)
        assert removed == has_metadata(case), case.id


def test_gps_and_camera_metadata_are_removed_but_orientation_kept(upload, client):
    case = next(c for c in accepted_cases() if c.id == "jpeg-exif-orientation6-gps")

    body = upload(case.data, case.filename).json()
    served = body_of(client.get(f"/image/{body['id']}"))

    with PILImage.open(io.BytesIO(served)) as image:
        exif = image.getexif()
        assert dict(exif) == {0x0112: 6}
        assert not exif.get_ifd(0x8825)  # GPS
    assert body["size"] == len(served) < len(case.data)


def test_strip_metadata_off_stores_the_original_bytes(upload, client, settings):
    settings.STRIP_METADATA = False
    case = next(c for c in accepted_cases() if c.id == "jpeg-exif-orientation6-gps")

    body = upload(case.data, case.filename).json()

    assert body_of(client.get(f"/image/{body['id']}")) == case.data


@pytest.mark.parametrize("case", refused_cases(), ids=lambda case: case.id)
def test_corpus_file_is_refused_with_json_error_and_nothing_stored(upload, media_root, case):
    response = upload(case.data, case.filename)

    assert response.status_code == case.status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == case.code
    assert response.json()["error"]["message"]
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_upload_without_a_file_part_is_400(client):
    response = client.post("/api/images/", {"name": "cat.png"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_file"


def test_upload_of_two_files_in_one_request_is_400(client, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile as File

    response = client.post(
        "/api/images/", {"file": [File("a.png", png_bytes()), File("b.png", png_bytes())]}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_files"
    assert stored_files(media_root) == []


def test_file_over_max_upload_size_is_413(upload, settings, media_root):
    data = png_bytes(width=64, height=64)
    settings.MAX_UPLOAD_SIZE = len(data) - 1

    response = upload(data)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert stored_files(media_root) == []


def test_image_over_max_image_pixels_is_413(upload, settings):
    settings.MAX_IMAGE_PIXELS = 99

    response = upload(png_bytes(width=10, height=10))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"


def test_animation_over_max_image_frames_is_413(upload, settings):
    settings.MAX_IMAGE_FRAMES = 2

    response = upload(gif_bytes(frames=3), "anim.gif")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_frames"


def test_duplicate_names_are_numbered(upload):
    names = [upload(png_bytes(), "cat.png").json()["name"] for _ in range(4)]

    assert names == ["cat.png", "cat (2).png", "cat (3).png", "cat (4).png"]


def test_numbering_takes_the_lowest_free_number(upload):
    upload(png_bytes(), "cat.png")
    upload(png_bytes(), "cat (7).png")

    assert upload(png_bytes(), "cat.png").json()["name"] == "cat (2).png"
    assert upload(png_bytes(), "cat.png").json()["name"] == "cat (3).png"
    assert upload(png_bytes(), "cat (7).png").json()["name"] == "cat (7) (2).png"


def test_the_name_field_overrides_the_file_name(upload):
    body = upload(png_bytes(), "IMG_0001.png", name="Sunset over the bay.png").json()

    assert body["name"] == "Sunset over the bay.png"


def test_a_name_without_extension_gets_the_detected_one(upload):
    assert upload(jpeg_bytes(), "holiday").json()["name"] == "holiday.jpg"


def test_urls_use_the_host_the_client_used(upload, settings):
    settings.ALLOWED_HOSTS = ["gallery.example"]

    body = upload(png_bytes(), headers={"host": "gallery.example"}).json()

    assert body["url"].startswith("http://gallery.example/image/")


def test_urls_follow_forwarded_headers_from_a_trusted_proxy(upload, settings):
    settings.ALLOWED_HOSTS = ["public.example"]
    settings.USE_X_FORWARDED_HOST = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    body = upload(
        png_bytes(), headers={"x-forwarded-host": "public.example", "x-forwarded-proto": "https"}
    ).json()

    assert body["url"].startswith("https://public.example/image/")


def test_get_on_upload_response_cache_is_forbidden(upload):
    assert upload(png_bytes())["Cache-Control"] == "no-store"
