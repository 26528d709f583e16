"""Gallery previews: WebP, made once, served like originals, never losing an upload."""

import io

import pytest
from PIL import Image as PILImage

from images.models import Image
from tests.conftest import body_of, files_of_all_images, stored_files
from tests.corpus import gif_bytes, jpeg_bytes, png_bytes
from tests.test_faults import noisy_png, small_disk  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def picture(data: bytes) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(("width", "expected"), [(320, (320, 240)), (640, (640, 480))])
def test_each_width_is_a_webp_no_wider_than_asked(client, upload, width, expected, store):
    body = upload(jpeg_bytes(width=1600, height=1200)).json()

    response = client.get(f"/image/{body['id']}/w{width}.webp")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"
    preview = picture(body_of(response))
    assert (preview.format, preview.size) == ("WEBP", expected)


def test_the_api_names_the_preview_urls(upload):
    body = upload(png_bytes(width=900, height=300)).json()

    assert body["thumbnail_url"] == f"http://testserver/image/{body['id']}/w320.webp"
    assert body["thumbnail_2x_url"] == f"http://testserver/image/{body['id']}/w640.webp"


def test_a_small_image_is_not_enlarged(client, upload):
    body = upload(png_bytes(width=40, height=30)).json()

    preview = picture(body_of(client.get(f"/image/{body['id']}/w640.webp")))

    assert preview.size == (40, 30)


def test_an_animation_previews_its_first_frame(client, upload):
    body = upload(gif_bytes(frames=3, width=50, height=50), "anim.gif").json()

    preview = picture(body_of(client.get(f"/image/{body['id']}/w320.webp")))

    assert getattr(preview, "n_frames", 1) == 1


def test_previews_follow_exif_orientation(client, upload):
    from tests.corpus import accepted_cases

    case = next(c for c in accepted_cases() if c.id == "jpeg-exif-orientation6-gps")
    body = upload(case.data, case.filename).json()

    preview = picture(body_of(client.get(f"/image/{body['id']}/w320.webp")))

    assert preview.size == (case.width, case.height)  # as displayed, turned


def test_a_preview_answers_304_to_its_etag(client, upload, store):
    body = upload(png_bytes()).json()
    first = client.get(f"/image/{body['id']}/w320.webp")

    again = client.get(f"/image/{body['id']}/w320.webp", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert first["ETag"] != client.get(f"/image/{body['id']}")["ETag"]


@pytest.mark.parametrize("path", ["/image/{id}/w100.webp", "/image/999/w320.webp"])
def test_unknown_widths_and_ids_are_404(client, upload, path):
    body = upload(png_bytes()).json()

    assert client.get(path.format(id=body["id"])).status_code == 404


def test_a_delete_removes_the_previews_too(client, upload, store):
    body = upload(png_bytes()).json()
    assert len(store.names()) == 3

    client.delete(
        f"/api/images/{body['id']}/", headers={"authorization": f"Bearer {body['delete_token']}"}
    )

    assert store.names() == []


def test_without_room_for_previews_the_upload_still_succeeds(upload, small_disk):  # noqa: F811
    data = noisy_png(90, 90)  # ~24 KiB: fits the 32 KiB disk, its previews do not

    response = upload(data, "tight.png")

    assert response.status_code == 201
    image = Image.objects.get()
    assert not image.has_thumbnails
    assert response.json()["thumbnail_url"] == response.json()["url"]
    assert stored_files(small_disk) == files_of_all_images() == [image.path]


def test_the_gallery_shows_previews_with_srcset(client, upload):
    body = upload(jpeg_bytes(width=1600, height=1200)).json()

    html = client.get("/").content.decode()

    assert f'src="/image/{body["id"]}/w320.webp"' in html
    assert f"/image/{body['id']}/w640.webp 640w" in html


@pytest.mark.parametrize(("width", "expected"), [(320, (320, 427)), (640, (640, 853))])
def test_a_turned_photo_is_previewed_at_its_displayed_width(client, upload, width, expected):
    exif = PILImage.Exif()
    exif[0x0112] = 6  # stored 1600 × 1200, displayed 1200 × 1600
    body = upload(jpeg_bytes(width=1600, height=1200, exif=exif.tobytes())).json()

    preview = picture(body_of(client.get(f"/image/{body['id']}/w{width}.webp")))

    assert preview.size == expected
