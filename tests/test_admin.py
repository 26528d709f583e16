"""Django's admin for images, and the way staff get there from the pages."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from images.models import Image
from images.services import image_create
from tests.corpus import gif_bytes, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/admin/images/image/"


@pytest.fixture
def staff_client(client):
    client.force_login(get_user_model().objects.create_superuser("boss", password="pw-unused"))
    return client


def stored(name: str, data: bytes, expires_at=None) -> Image:
    file = SimpleUploadedFile(name, data)
    return image_create(file=file, name=name, expires_at=expires_at).image


def names_listed(response) -> list[str]:
    return [image.name for image in response.context["cl"].result_list]


def test_the_list_shows_each_images_small_preview_never_the_original(staff_client):
    portrait = stored("portrait.png", png_bytes(width=300, height=600))

    html = staff_client.get(LIST).content.decode()

    assert (f'<img src="/image/{portrait.pk}/w320.webp" width="32" height="64" alt=""'
            in html)
    assert f'src="/image/{portrait.pk}"' not in html
    assert f"/image/{portrait.pk}/original" not in html


def test_a_long_name_is_cut_short_with_the_whole_name_in_its_title(staff_client):
    long_name = stored("A very long holiday photo name " * 6 + ".png", png_bytes()).name

    html = staff_client.get(LIST).content.decode()

    assert f'<span title="{long_name}">{long_name[:39]}…</span>' in html


def test_a_short_name_is_shown_as_it_is(staff_client):
    stored("cat.png", png_bytes())

    html = staff_client.get(LIST).content.decode()

    assert ">cat.png</a>" in html
    assert 'title="cat.png"' not in html


def test_it_finds_images_by_name(staff_client):
    stored("cat on the sofa.png", png_bytes(width=9))
    stored("dog.png", png_bytes(width=10))

    response = staff_client.get(LIST, {"q": "sofa"})

    assert names_listed(response) == ["cat on the sofa.png"]


def test_it_filters_by_type_and_by_expiry(staff_client):
    stored("still.png", png_bytes())
    stored("moving.gif", gif_bytes(frames=2))
    stored("soon.png", png_bytes(width=12), expires_at=timezone.now() + timedelta(hours=1))

    assert names_listed(staff_client.get(LIST, {"content_type": "image/gif"})) == ["moving.gif"]
    assert names_listed(staff_client.get(LIST, {"expires": "yes"})) == ["soon.png"]
    assert sorted(names_listed(staff_client.get(LIST, {"expires": "no"}))) == [
        "moving.gif", "still.png"]


def test_sizes_read_in_binary_units(staff_client):
    stored("big.png", png_bytes(width=600, height=600, mode="RGB"))
    image = Image.objects.get()

    html = staff_client.get(LIST).content.decode()

    assert image.size >= 1024
    assert "KiB</td>" in html


def test_people_who_are_not_staff_are_sent_to_sign_in(client):
    stored("cat.png", png_bytes())
    client.force_login(get_user_model().objects.create_user("someone", password="pw-unused"))

    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_signed_in_staff_find_the_admin_in_the_nav(staff_client):
    html = staff_client.get("/").content.decode()

    assert '<li><a href="/admin/">Admin</a></li>' in html


def test_the_nav_says_it_in_russian(staff_client):
    html = staff_client.get("/", headers={"Accept-Language": "ru"}).content.decode()

    assert '<li><a href="/admin/">Управление</a></li>' in html


@pytest.mark.parametrize("staff", [False, None], ids=["signed-in-user", "visitor"])
def test_others_see_no_admin_link(client, staff):
    if staff is False:
        client.force_login(get_user_model().objects.create_user("someone", password="pw-unused"))

    html = client.get("/").content.decode()

    assert 'href="/admin/"' not in html
