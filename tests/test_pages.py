"""The HTML pages: gallery, upload, view, image page, delete."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from images.models import Image
from tests.conftest import files_of_all_images, stored_files
from tests.corpus import jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

NAV = ['href="/"', 'href="/upload/"', 'href="/view/"', 'href="/delete/"']


def page_upload(client, *files, name=""):
    return client.post(
        "/upload/",
        {"file": [SimpleUploadedFile(n, data) for n, data in files], "name": name},
    )


@pytest.mark.parametrize("path", ["/", "/upload/", "/view/", "/delete/"])
def test_every_page_has_the_nav_bar(client, path):
    html = client.get(path).content.decode()

    for link in NAV:
        assert link in html
    assert 'aria-current="page"' in html


def test_image_page_has_the_nav_bar(client, make_image):
    html = client.get(f"/images/{make_image().image.pk}/").content.decode()

    assert all(link in html for link in NAV)


def test_gallery_shows_images_newest_first_linking_to_their_pages(client, make_image):
    old = make_image("old.png").image
    new = make_image("new.png").image

    html = client.get("/").content.decode()

    assert html.index(f'href="/images/{new.pk}/"') < html.index(f'href="/images/{old.pk}/"')
    assert f'src="/image/{new.pk}/w320.webp"' in html
    assert 'id="image-count">2<' in html


def test_gallery_is_paginated(client, make_image, settings):
    settings.GALLERY_PAGE_SIZE = 2
    images = [make_image(f"{n}.png").image for n in range(3)]

    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()

    assert f"/images/{images[0].pk}/" not in first
    assert f"/images/{images[0].pk}/" in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_empty_gallery_points_to_upload(client):
    html = client.get("/").content.decode()

    assert "No images yet." in html
    assert 'id="empty-state"' in html and 'id="empty-state" hidden' not in html


def test_pages_have_no_inline_script_or_style(client, make_image):
    image = make_image().image
    for path in ["/", "/upload/", "/view/", "/delete/", f"/images/{image.pk}/"]:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html, path


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_upload_form_carries_the_csrf_token(client):
    html = client.get("/upload/").content.decode()

    assert 'name="csrfmiddlewaretoken"' in html
    assert 'type="file"' in html and "multiple" in html


def test_upload_of_one_file_redirects_303_to_the_upload_page_and_its_links(client, media_root):
    response = page_upload(client, ("cat.png", png_bytes()), name="My cat.png")

    image = Image.objects.get()
    assert response.status_code == 303
    assert response["Location"] == "/upload/"
    assert image.name == "My cat.png"
    assert stored_files(media_root) == files_of_all_images() != []
    assert f'href="/images/{image.pk}/">My cat.png</a>' in client.get("/upload/").content.decode()


def test_upload_of_many_files_redirects_303_to_the_upload_page_with_a_message(client):
    response = page_upload(client, ("a.png", png_bytes()), ("b.jpg", jpeg_bytes()))

    assert response.status_code == 303
    assert response["Location"] == "/upload/"
    assert Image.objects.count() == 2
    assert "Uploaded 2 images." in client.get("/upload/").content.decode()


def test_upload_errors_are_shown_on_the_form_with_400(client, media_root):
    response = page_upload(
        client, ("good.png", png_bytes()), ("notes.png", b"just some text, not a picture")
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "notes.png" in html and "not a PNG, JPEG, GIF, WebP, AVIF or HEIC image" in html
    assert "good.png" in html
    assert Image.objects.get().name == "good.png"
    assert stored_files(media_root) == files_of_all_images() != []


def test_upload_without_a_file_is_400_with_a_form_message(client):
    response = client.post("/upload/", {"name": "x"})

    assert response.status_code == 400
    assert "Choose at least one image to upload." in response.content.decode()


def test_upload_form_rejects_a_post_without_csrf(media_root):
    strict = Client(enforce_csrf_checks=True)

    response = page_upload(strict, ("cat.png", png_bytes()))

    assert response.status_code == 403
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_view_form_leads_to_the_image_page(client, make_image):
    image = make_image().image

    response = client.get("/view/", {"id": image.pk})

    assert response.status_code == 303
    assert response["Location"] == f"/images/{image.pk}/"


def test_view_form_with_unknown_id_is_a_404_page(client):
    response = client.get("/view/", {"id": 999})

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_view_form_with_a_non_number_is_400_on_the_form(client):
    response = client.get("/view/", {"id": "abc"})

    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()


def test_image_page_shows_the_image_inline_with_its_facts(client, make_image):
    image = make_image("sunset.png", png_bytes(width=30, height=20)).image

    html = client.get(f"/images/{image.pk}/").content.decode()

    assert f'<img src="/image/{image.pk}"' in html
    assert "sunset.png" in html
    assert "image/png" in html
    assert "30 × 20" in html
    assert f"({image.size} bytes)" in html
    assert image.date.isoformat() in html


def test_image_page_links_to_its_neighbours(client, make_image):
    first, second, third = (make_image(f"{n}.png").image for n in range(3))

    html = client.get(f"/images/{second.pk}/").content.decode()

    assert f'href="/images/{third.pk}/" rel="prev"' in html
    assert f'href="/images/{first.pk}/" rel="next"' in html


def test_image_page_of_unknown_id_is_404(client):
    assert client.get("/images/999/").status_code == 404


def test_an_unknown_image_page_says_so_in_the_readers_language(client):
    english = client.get("/images/999/")
    russian = client.get("/images/999/", headers={"Accept-Language": "ru"})

    assert "There is no image with that id." in english.content.decode()
    assert "Изображения с таким номером нет." in russian.content.decode()


def test_the_delete_picker_shows_previews_not_originals(client):
    page_upload(client, ("mine.png", png_bytes(width=900, height=600)))
    image = Image.objects.get()

    html = client.get("/delete/").content.decode()

    assert f'src="/image/{image.pk}/w320.webp"' in html
    assert f'src="/image/{image.pk}"' not in html
    assert f'name="id" value="{image.pk}"' in html


def test_delete_page_offers_the_images_this_browser_uploaded(client, other_client):
    page_upload(client, ("mine.png", png_bytes()))
    page_upload(other_client, ("theirs.png", png_bytes()))

    html = client.get("/delete/").content.decode()

    assert "mine.png" in html
    assert "theirs.png" not in html


def test_delete_asks_for_confirmation_then_deletes_with_303(client, media_root):
    page_upload(client, ("mine.png", png_bytes()))
    image = Image.objects.get()

    confirm = client.get("/delete/", {"id": image.pk})
    assert confirm.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in confirm.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()

    response = client.post("/delete/", {"id": image.pk})

    assert response.status_code == 303
    assert response["Location"] == "/delete/"
    assert not Image.objects.exists()
    assert stored_files(media_root) == []
    assert "Deleted “mine.png”." in client.get("/delete/").content.decode()


def test_another_browser_may_not_delete(client, other_client, media_root):
    page_upload(client, ("mine.png", png_bytes()))
    image = Image.objects.get()

    assert other_client.get("/delete/", {"id": image.pk}).status_code == 403
    assert other_client.post("/delete/", {"id": image.pk}).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()
    assert stored_files(media_root) == files_of_all_images() != []


def test_an_api_upload_is_not_deletable_from_a_browser_page(client, upload):
    body = upload(png_bytes()).json()

    assert client.post("/delete/", {"id": body["id"]}).status_code == 403


def test_staff_may_delete_any_image_from_the_page(client, upload):
    body = upload(png_bytes()).json()
    client.force_login(get_user_model().objects.create_user("a", password="pw", is_staff=True))

    assert "Delete this image" in client.get(f"/images/{body['id']}/").content.decode()
    assert body["name"] in client.get("/delete/").content.decode()
    assert client.post("/delete/", {"id": body["id"]}).status_code == 303
    assert not Image.objects.exists()


def test_delete_of_unknown_id_is_a_404_page(client):
    assert client.get("/delete/", {"id": 999}).status_code == 404
    assert client.post("/delete/", {"id": 999}).status_code == 404


def test_delete_with_a_malformed_id_is_400(client):
    response = client.post("/delete/", {"id": "../1"})

    assert response.status_code == 400


def test_delete_form_without_csrf_is_refused(client):
    page_upload(client, ("mine.png", png_bytes()))
    image = Image.objects.get()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies

    response = strict.post("/delete/", {"id": image.pk})

    assert response.status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


def test_image_page_offers_delete_only_to_its_uploader(client, other_client):
    page_upload(client, ("mine.png", png_bytes()))
    image = Image.objects.get()

    assert "Delete this image" in client.get(f"/images/{image.pk}/").content.decode()
    assert "Delete this image" not in other_client.get(f"/images/{image.pk}/").content.decode()
