"""Honest facts: when a photo was taken and with which camera, read from its
Exif before the metadata is stripped and kept on the row (KEEP_PHOTO_FACTS);
shown on the image page, in the API and in live events; dimensions as
displayed; hostile Exif never a 500, on SQLite and on PostgreSQL."""

import io
import json
from datetime import datetime

import pytest
from PIL import Image as PILImage

from images.metadata.facts import _camera, parse_exif_date, parse_exif_offset
from images.models import Image
from tests.corpus import jpeg_bytes, png_bytes, webp_bytes
from tests.samples import avif_samples, heic_samples
from tests.test_realtime import (
    api_upload,
    listening,
    next_event,
    private_channel_layer,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9"}
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112
DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


def camera_exif(
    make="Canon", model="Canon EOS R6", taken="2024:05:01 14:03:07", offset="+02:00",
    orientation=None,
) -> PILImage.Exif:
    exif = PILImage.Exif()
    if make is not None:
        exif[MAKE] = make
    if model is not None:
        exif[MODEL] = model
    if orientation is not None:
        exif[ORIENTATION] = orientation
    details = exif.get_ifd(EXIF_IFD)
    if taken is not None:
        details[DATE_TIME_ORIGINAL] = taken
    if offset is not None:
        details[OFFSET_TIME_ORIGINAL] = offset
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)}
    return exif


def avif_bytes(exif) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 24), (200, 120, 40)).save(out, "AVIF", exif=exif)
    return out.getvalue()


FORMATS = {
    "jpeg": ("photo.jpg", lambda exif: jpeg_bytes(40, 24, exif=exif)),
    "png": ("photo.png", lambda exif: png_bytes(40, 24, exif=exif)),
    "webp": ("photo.webp", lambda exif: webp_bytes(False, 40, 24, exif=exif)),
    "avif": ("photo.avif", avif_bytes),
}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def exif_of_stored(client, image_id: int) -> PILImage.Exif:
    with PILImage.open(io.BytesIO(body_of(client.get(f"/image/{image_id}/original")))) as stored:
        stored.load()
        return stored.getexif()


# What is kept, and what is still removed


@pytest.mark.parametrize("kind", FORMATS)
def test_taken_at_and_camera_are_kept_though_the_exif_is_stripped(upload, client, kind):
    filename, make = FORMATS[kind]

    body = upload(make(camera_exif()), filename).json()

    assert body["taken_at"] == "2024-05-01T14:03:07+02:00"
    assert body["camera"] == "Canon EOS R6"
    stored = exif_of_stored(client, body["id"])
    assert MAKE not in stored and MODEL not in stored
    assert not stored.get_ifd(EXIF_IFD) and not stored.get_ifd(GPS_IFD)
    assert "48.0" not in json.dumps(body) and "GPS" not in json.dumps(body)


def test_a_phone_photo_says_when_by_its_clock_and_zone_and_which_phone(upload, client):
    photo = heic_samples()["pug.heic"].read_bytes()

    body = upload(photo, "IMG_0001.HEIC").json()

    assert body["taken_at"] == "2023-02-21T14:33:08+03:00"
    assert body["camera"] == "Apple iPhone 13 Pro"
    assert client.get(f"/api/images/{body['id']}/").json() == {
        key: value for key, value in body.items()
        if key not in ("delete_token", "delete_url", "duplicates", "share")
    }


def test_a_clock_without_a_recorded_offset_is_a_local_time(upload, client):
    body = upload(heic_samples()["xiaomi.heic"].read_bytes(), "xiaomi.heic").json()

    assert body["taken_at"] == "2023-04-27T19:44:18"
    assert body["camera"] == "Xiaomi M2012K11AG"
    html = client.get(f"/images/{body['id']}/").content.decode()
    assert '<time datetime="2023-04-27T19:44:18">' in html
    assert "the camera's clock; its time zone was not recorded" in html


def test_a_picture_without_exif_has_no_facts(upload, client):
    body = upload(png_bytes(20, 10), "plain.png").json()

    assert (body["taken_at"], body["camera"]) == (None, None)
    html = client.get(f"/images/{body['id']}/").content.decode()
    assert "<dt>Taken</dt>" not in html and "<dt>Camera</dt>" not in html


def test_keep_photo_facts_off_keeps_none_of_them(upload, settings):
    settings.KEEP_PHOTO_FACTS = False

    body = upload(jpeg_bytes(40, 24, exif=camera_exif()), "photo.jpg").json()

    assert (body["taken_at"], body["camera"]) == (None, None)
    row = Image.objects.get(pk=body["id"])
    assert (row.taken_at, row.taken_at_offset, row.camera) == (None, None, None)


def test_facts_are_read_when_metadata_is_kept_in_the_file_too(upload, settings):
    settings.STRIP_METADATA = False

    body = upload(jpeg_bytes(40, 24, exif=camera_exif()), "photo.jpg").json()

    assert (body["taken_at"], body["camera"]) == ("2024-05-01T14:03:07+02:00", "Canon EOS R6")


# The image page


def test_the_page_shows_when_by_the_cameras_clock_and_which_camera(upload, client):
    body = upload(jpeg_bytes(40, 24, exif=camera_exif()), "photo.jpg").json()

    html = client.get(f"/images/{body['id']}/").content.decode()

    assert '<dt>Taken</dt>' in html
    assert '<time datetime="2024-05-01T14:03:07+02:00">May 1, 2024, 2:03 p.m.</time>' in html
    assert "(UTC+02:00)" in html
    assert "<dt>Camera</dt><dd>Canon EOS R6</dd>" in html


def test_the_upload_time_is_written_in_utc_with_the_zone_named(make_image, client):
    image = make_image("utc.png").image
    image.date = datetime.fromisoformat("2026-03-04T05:06:00+00:00")
    image.save(update_fields=["date"])

    html = client.get(f"/images/{image.pk}/").content.decode()

    assert (
        '<time datetime="2026-03-04T05:06:00+00:00" data-local>March 4, 2026, 5:06 a.m. UTC</time>'
        in html
    )


def test_the_expiry_moment_is_in_utc_in_the_tooltip_the_script_rewrites(make_image, client):
    image = make_image("soon.png").image
    image.expires_at = datetime.fromisoformat("2099-03-04T05:06:00+00:00")
    image.save(update_fields=["expires_at"])

    html = client.get(f"/images/{image.pk}/").content.decode()

    assert 'data-local-title title="March 4, 2099, 5:06 a.m. UTC"' in html


def test_the_facts_have_labels_that_do_not_look_alike_in_russian(upload, client):
    body = upload(jpeg_bytes(40, 24, exif=camera_exif()), "photo.jpg").json()

    html = client.get(f"/images/{body['id']}/", **RUSSIAN).content.decode()

    for label in ("Название", "Размеры в пикселях", "Объём файла", "Формат", "Снято", "Камера",
                  "Загружено", "Скачать исходный файл"):
        assert f">{label}<" in html, label
    assert ">Размер<" not in html and ">Размеры<" not in html


def test_a_long_name_is_whole_in_the_title_tooltip_and_in_the_facts(make_image, client):
    name = "Очень длинное имя " + "x" * 160 + ".png"
    image = make_image(name).image

    html = client.get(f"/images/{image.pk}/").content.decode()

    assert f'<h1 class="image-title" title="{name}">{name}</h1>' in html
    assert f'<dd class="full-name">{name}</dd>' in html


def test_the_download_link_is_the_original_under_its_name(make_image, client):
    image = make_image("holiday.png").image

    html = client.get(f"/images/{image.pk}/").content.decode()

    assert f'href="/image/{image.pk}/original" download="holiday.png"' in html
    response = client.get(f"/image/{image.pk}/original")
    assert response["Content-Disposition"] == 'inline; filename="holiday.png"'


# Dimensions as displayed: page, API, event


ROTATED = {
    "jpeg-exif-orientation-6": ("rotated.jpg", lambda: jpeg_bytes(40, 24, exif=camera_exif(
        orientation=6)), (24, 40)),
    "avif-irot-sample": ("rot1mir0.avif", lambda: avif_samples()["rot1mir0.avif"].read_bytes(),
                         (640, 427)),
}


@pytest.mark.parametrize("case", ROTATED)
async def test_a_rotated_photo_has_its_displayed_dimensions_everywhere(case):
    from tests.test_realtime import http

    filename, make, (width, height) = ROTATED[case]
    async with listening() as socket:
        uploaded = await api_upload(make(), filename)
        event = await next_event(socket)
    shown = json.loads((await http("GET", f"/api/images/{uploaded['id']}/"))["body"])
    page = (await http("GET", f"/images/{uploaded['id']}/"))["body"].decode()

    for image in (uploaded, shown, event["image"]):
        assert (image["width"], image["height"]) == (width, height)
    assert f"<dd>{width} × {height}</dd>" in page
    assert f'width="{width}" height="{height}"' in page


# Hostile Exif: never a 500, nothing unprintable stored


HOSTILE = {
    "nul-and-control-characters": (
        camera_exif(make="Evil\x00Corp\x1b[31m", model="Cam\x00\x01\x7f 3000\x00\x00x"),
        "EvilCorp[31m Cam 3000x", "2024-05-01T14:03:07+02:00",
    ),
    "huge-strings": (
        camera_exif(make="M" * 100_000, model="Q" * 100_000), "M" * 64 + " " + "Q" * 35,
        "2024-05-01T14:03:07+02:00",
    ),
    "zero-date": (camera_exif(taken="0000:00:00 00:00:00"), "Canon EOS R6", None),
    "blank-date": (camera_exif(taken="    :  :     :  :  "), "Canon EOS R6", None),
    "30-february": (camera_exif(taken="2023:02:30 10:00:00"), "Canon EOS R6", None),
    "hour-25": (camera_exif(taken="2023:02:20 25:00:00"), "Canon EOS R6", None),
    "before-photography": (camera_exif(taken="1700:01:01 00:00:00"), "Canon EOS R6", None),
    "nul-in-date": (camera_exif(taken="2023:02:21\x0014:33:08"), "Canon EOS R6", None),
    "huge-date": (camera_exif(taken="2023:02:21 14:33:08" * 5000), "Canon EOS R6", None),
    "last-moment": (
        camera_exif(taken="9999:12:31 23:59:59", offset="-12:00"), "Canon EOS R6",
        "9999-12-31T23:59:59-12:00",
    ),
    "offset-out-of-range": (
        camera_exif(offset="+99:00"), "Canon EOS R6", "2024-05-01T14:03:07",
    ),
    "offset-minutes-75": (camera_exif(offset="+03:75"), "Canon EOS R6", "2024-05-01T14:03:07"),
    "utf-8-in-an-ascii-tag": (
        camera_exif(make="КМЗ".encode(), model="Зенит-Е".encode()), "КМЗ Зенит-Е",
        "2024-05-01T14:03:07+02:00",
    ),
}


def date_as_a_number() -> PILImage.Exif:
    exif = camera_exif(taken=None, make=None, model=None)
    exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = 20240501
    return exif


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_exif_is_cleaned_or_ignored(upload, client, case):
    exif, camera, taken_at = HOSTILE[case]

    response = upload(png_bytes(20, 10, exif=exif), f"{case}.png")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["taken_at"], body["camera"]) == (taken_at, camera)
    assert body["camera"].isprintable() and len(body["camera"]) <= 100
    assert client.get(f"/images/{body['id']}/").status_code == 200


def test_exif_values_of_the_wrong_type_are_no_facts(upload):
    body = upload(png_bytes(20, 10, exif=date_as_a_number()), "numbers.png").json()

    assert body["taken_at"] is None


def test_an_exif_that_cannot_be_read_is_no_facts_and_no_error(upload):
    broken = b"MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\x01" * 20  # 65535 entries, 20 bytes
    data = png_bytes(20, 10)
    chunk = _png_chunk(b"eXIf", broken)
    data = data[:33] + chunk + data[33:]  # after IHDR

    response = upload(data, "broken-exif.png")

    assert response.status_code == 201, response.content
    assert (response.json()["taken_at"], response.json()["camera"]) == (None, None)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import struct
    import zlib

    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


# The parsers on their own


@pytest.mark.parametrize("text, expected", [
    ("2023:02:21 14:33:08", datetime(2023, 2, 21, 14, 33, 8)),
    ("2023-02-21T14:33:08", datetime(2023, 2, 21, 14, 33, 8)),
    (" 2023:02:21 14:33:08 ", datetime(2023, 2, 21, 14, 33, 8)),
    ("2023:02:21", None), ("", None), (None, None), ("2023:02:21 14:33:60", None),
    ("١٢٣٤:٠٢:٢١ ١٤:٣٣:٠٨", None),  # digits of another script are not Exif's
])
def test_exif_dates_are_read_strictly(text, expected):
    assert parse_exif_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("+03:00", 180), ("-05:00", -300), ("+05:45", 345), ("+14:00", 840), ("-00:30", -30),
    ("+14:01", None), ("+3:00", None), ("Z", None), ("", None), (None, None),
])
def test_exif_offsets_are_minutes_east_of_utc(text, expected):
    assert parse_exif_offset(text) == expected


@pytest.mark.parametrize("make, model, expected", [
    ("Canon", "Canon EOS R6", "Canon EOS R6"),
    ("NIKON CORPORATION", "NIKON D750", "NIKON D750"),
    ("Apple", "iPhone 13 Pro", "Apple iPhone 13 Pro"),
    ("  SONY ", "ILCE-7SM3\x00", "SONY ILCE-7SM3"),
    ("", "", None), (None, None, None), ("Fujifilm", None, "Fujifilm"), (None, "X100V", "X100V"),
])
def test_the_camera_is_make_and_model_without_repeating_the_make(make, model, expected):
    assert _camera(make, model) == expected
