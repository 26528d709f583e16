"""HEIC and AVIF uploads, with real files from pillow-heif's and Pillow's own
test images (tests/samples.py): accepted by content, shown everywhere, without
GPS, the right way up, and every hostile variant refused leaving nothing."""

import base64
import io
import math

import pillow_heif
import pytest
from PIL import Image as PILImage
from PIL import ImageChops, ImageOps, ImageStat

from images.metadata import heif
from images.models import Image
from tests.conftest import body_of, stored_files
from tests.samples import avif_samples, heic_samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def heic():
    return {name: path.read_bytes() for name, path in heic_samples().items()}


@pytest.fixture(scope="module")
def avif():
    return {name: path.read_bytes() for name, path in avif_samples().items()}


def opened(data: bytes) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(data))
    picture.load()
    return picture


def psnr(a: PILImage.Image, b: PILImage.Image) -> float:
    squares = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).sum2
    mse = sum(squares) / (a.width * a.height * 3)
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def test_a_phone_heic_is_shown_as_a_full_size_jpeg(upload, client, heic):
    body = upload(heic["arrow.heic"], "IMG_0042.HEIC").json()

    shown = client.get(f"/image/{body['id']}")
    picture = opened(body_of(shown))

    assert body["content_type"] == "image/heic"
    assert body["url"] == f"http://testserver/image/{body['id']}"
    assert body["original_url"] == f"http://testserver/image/{body['id']}/original"
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"] == "inline"
    assert picture.format == "JPEG"
    # Upright: the container turns the picture (irot), the rendition is turned.
    assert (body["width"], body["height"]) == picture.size == (3024, 4032)
    assert psnr(picture, opened(heic["arrow.heic"])) > 38


def test_the_original_is_the_stored_file_under_its_display_name(upload, client, heic, media_root):
    body = upload(heic["pug.heic"], "Pug on the sofa.heic").json()

    original = client.get(f"/image/{body['id']}/original")

    stored = (media_root / Image.objects.get().path).read_bytes()
    assert original.status_code == 200
    assert original["Content-Type"] == "image/heic"
    assert original["Content-Disposition"] == 'inline; filename="Pug on the sofa.heic"'
    assert body_of(original) == stored
    assert body["size"] == len(stored) == len(heic["pug.heic"])  # cleaned in place


@pytest.mark.parametrize("sample", ["pug.heic", "xiaomi.heic", "aux_YCbCr.heic"])
def test_gps_and_personal_metadata_never_survive_but_pixels_do(upload, client, heic, sample):
    before = PILImage.Exif()
    before.load(pillow_heif.open_heif(io.BytesIO(heic[sample])).info["exif"])
    assert before.get_ifd(0x8825)  # the sample has a location

    body = upload(heic[sample], sample).json()

    stored = body_of(client.get(f"/image/{body['id']}/original"))
    after = pillow_heif.open_heif(io.BytesIO(stored))
    assert not after.info.get("exif")
    assert not after.info.get("xmp")
    assert b"GPS" not in stored
    assert opened(stored).tobytes() == opened(heic[sample]).tobytes()
    rendition = opened(body_of(client.get(f"/image/{body['id']}")))
    assert not rendition.getexif() and "xmp" not in rendition.info


def test_an_avif_is_its_own_url_and_keeps_its_pixels_without_exif(upload, client, avif):
    body = upload(avif["exif.avif"], "photo").json()

    served = client.get(f"/image/{body['id']}")

    assert body["content_type"] == "image/avif"
    assert body["url"] == body["original_url"]
    assert body["name"] == "photo.avif"
    assert served["Content-Type"] == "image/avif"
    stored = body_of(served)
    assert opened(stored).tobytes() == opened(avif["exif.avif"]).tobytes()
    assert b"MM\0*" not in stored and b"II*\0" not in stored  # the Exif's bytes are zeroed
    assert not opened(stored).getexif()


@pytest.mark.parametrize(
    ("sample", "displayed"), [("rot0mir0.avif", (640, 427)), ("rot1mir0.avif", (640, 427))]
)
def test_an_avif_turned_by_its_container_keeps_its_turn(upload, client, avif, sample, displayed):
    body = upload(avif[sample], sample).json()

    stored = opened(body_of(client.get(body["url"])))
    preview = opened(body_of(client.get(body["thumbnail_url"])))

    assert (body["width"], body["height"]) == displayed
    assert ImageOps.exif_transpose(stored).size == displayed
    assert preview.size == (320, round(320 * displayed[1] / displayed[0]))


def test_a_heic_burst_and_an_avif_sequence_count_their_frames(
    upload, settings, heic, avif, media_root
):
    settings.MAX_IMAGE_FRAMES = 3

    burst = upload(heic["bird_burst.heic"], "burst.heic")  # four pictures
    sequence = upload(avif["star.avifs"], "star.avifs")  # five frames

    assert (burst.status_code, burst.json()["error"]["code"]) == (413, "too_many_frames")
    assert (sequence.status_code, sequence.json()["error"]["code"]) == (413, "too_many_frames")
    assert stored_files(media_root) == []


def test_a_cut_off_heic_is_refused_even_when_metadata_is_kept(upload, settings, heic):
    """libheif decodes a grid with missing tiles without complaint: the
    container's own structure is checked too."""
    settings.STRIP_METADATA = False
    data = heic["pug.heic"]

    assert refused(upload, data[: len(data) * 2 // 3], "cut.heic") == (415, "corrupt_image")


def test_within_the_frame_limit_a_burst_is_stored(upload, heic):
    response = upload(heic["bird_burst.heic"], "burst.heic")

    assert response.status_code == 201


def refused(upload, data, name):
    response = upload(data, name)
    return response.status_code, response.json()["error"]["code"]


def test_hostile_heic_and_avif_files_are_refused_leaving_nothing(upload, heic, avif, media_root):
    cut_avif = avif["exif.avif"][: len(avif["exif.avif"]) // 2]
    cut_heic = heic["pug.heic"][: len(heic["pug.heic"]) * 2 // 3]

    assert refused(upload, heic["truncated.heic"], "truncated.heic") == (415, "corrupt_image")
    assert refused(upload, cut_heic, "cut.heic") == (415, "corrupt_image")
    assert refused(upload, cut_avif, "cut.avif") == (415, "unsupported_image")  # libavif
    assert refused(upload, heic["corrupted.heic"], "c.heic") == (415, "unsupported_image")
    assert refused(upload, heic["200MP.heic"], "bomb.heic") == (413, "image_too_large")
    # 33 megapixels of 10-bit HEVC: within the pixel limit, over the memory bound
    assert refused(upload, heic["guitar_cw90.hif"], "g.hif") == (413, "image_too_large")
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_a_bigger_decode_bound_lets_a_camera_heif_in_the_right_way_up(
    upload, client, settings, heic
):
    settings.MAX_DECODE_BYTES = 1024 * 2**20

    body = upload(heic["guitar_cw90.hif"], "guitar.hif").json()

    assert (body["width"], body["height"]) == (4672, 7008)
    assert opened(body_of(client.get(body["thumbnail_url"]))).size == (320, 480)


def test_every_image_has_a_placeholder_of_a_few_hundred_bytes(upload, heic, avif):
    for data, name in ((heic["xiaomi.heic"], "x.heic"), (avif["transparency.avif"], "t.avif")):
        placeholder = upload(data, name).json()["placeholder"]

        prefix = "data:image/webp;base64,"
        assert placeholder.startswith(prefix) and len(placeholder) < 1000
        tiny = opened(base64.b64decode(placeholder.removeprefix(prefix)))
        assert max(tiny.size) == 16


def test_a_layout_that_cannot_be_cleaned_in_place_is_reencoded_without_metadata(heic, avif):
    for data, pillow_format in ((heic["pug.heic"], "HEIF"), (avif["rot1mir0.avif"], "AVIF")):
        cleaned = io.BytesIO()

        assert heif.reencode(io.BytesIO(data), cleaned, pillow_format, quality=90)

        before, after = opened(data), opened(cleaned.getvalue())
        assert set(after.getexif()) <= {0x0112}
        assert after.getexif().get(0x0112, 1) == before.getexif().get(0x0112, 1)
        assert after.info.get("icc_profile") == before.info.get("icc_profile")
        assert psnr(before, after) > 35
