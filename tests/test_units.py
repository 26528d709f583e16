"""Sizes read in binary units with IEC names, the same on every page and message."""

import pytest
from django.template import Context, Template
from django.utils import translation

from images.units import binary_size
from tests.corpus import png_bytes

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (1024 * 1024 - 1, "1 MiB"),  # 1023.999 KiB reads as the next unit, not "1024 KiB"
        (20 * 1024 * 1024, "20 MiB"),
        (int(4.25 * 1024**3), "4.2 GiB"),
        (3 * 1024**4, "3 TiB"),
        (2048 * 1024**5, "2048 PiB"),
        (-2048, "-2 KiB"),
        (None, "0 bytes"),
        ("lots", "0 bytes"),
    ],
)
def test_it_names_binary_units_as_such(size, shown):
    assert binary_size(size) == shown.replace(" ", NBSP)


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1, "1 байт"), (3, "3 байта"), (5, "5 байт"), (1536, "1,5 КиБ"), (20 * 1024**2, "20 МиБ")],
)
def test_it_speaks_russian_with_russian_numbers(size, shown):
    with translation.override("ru"):
        assert binary_size(size) == shown.replace(" ", NBSP)


def test_templates_have_it_as_a_filter():
    template = Template("{% load sizes %}{{ size|binary_size }}")

    assert template.render(Context({"size": 1536})) == f"1.5{NBSP}KiB"


@pytest.mark.django_db(transaction=True)
def test_the_image_page_shows_the_size_in_binary_units(client, make_image):
    image = make_image("photo.png", png_bytes(width=300, height=300)).image
    assert image.size > 1024

    html = client.get(f"/images/{image.pk}/").content.decode()

    assert f"<dd>{binary_size(image.size)} ({image.size} bytes)</dd>" in html
    assert "KiB" in binary_size(image.size)


@pytest.mark.django_db(transaction=True)
def test_the_upload_page_and_its_errors_name_the_limit_in_mib(client, settings):
    settings.MAX_UPLOAD_SIZE = 20 * 1024 * 1024

    html = client.get("/upload/").content.decode()
    russian = client.get("/upload/", headers={"Accept-Language": "ru"}).content.decode()

    assert f"up to 20{NBSP}MiB each" in html
    assert f"The file is larger than the limit of 20{NBSP}MiB." in html  # the script's message
    assert f"20{NBSP}МиБ" in russian
    assert " MB" not in html and f"{NBSP}MB" not in html


@pytest.mark.django_db(transaction=True)
def test_the_apis_too_large_error_names_the_limit_in_kib(upload, settings):
    settings.MAX_UPLOAD_SIZE = 1536

    response = upload(png_bytes(width=300, height=300))

    assert response.status_code == 413
    assert response.json()["error"]["message"] == (
        f"The file is larger than the limit of 1.5{NBSP}KiB.")
