"""delete_url: /delete/<id>/<token>/ asks on GET and deletes only on the form's POST."""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from images.models import Image
from tests.conftest import stored_files
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def uploaded(upload):
    body = upload(png_bytes(), "cat.png").json()
    return body


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def csrf_token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_the_api_upload_answer_carries_the_delete_url(uploaded):
    assert uploaded["delete_url"] == (
        f"http://testserver/delete/{uploaded['id']}/{uploaded['delete_token']}/"
    )


def test_the_upload_page_json_answer_carries_the_delete_url(client):
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes())},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 201
    image = response.json()["image"]
    link = rf"http://testserver/delete/{image['id']}/[\w-]{{40,}}/"
    assert re.fullmatch(link, image["delete_url"])
    assert response["Cache-Control"] == "no-store"
    assert Client().get(path_of(image["delete_url"])).status_code == 200


def test_get_shows_the_image_and_a_button_and_never_deletes(uploaded, media_root):
    link = path_of(uploaded["delete_url"])
    files = stored_files(media_root)

    first, second = Client().get(link), Client().get(link)

    for response in (first, second):
        assert response.status_code == 200
        html = response.content.decode()
        assert f'src="/image/{uploaded["id"]}/w640.webp"' in html
        assert "Delete for good" in html and 'method="post"' in html
        assert response["Referrer-Policy"] == "strict-origin"
        assert response["Cache-Control"] == "no-store"
    assert Image.objects.filter(pk=uploaded["id"]).exists()
    assert stored_files(media_root) == files


def test_the_form_post_deletes_and_sees_other_to_the_gallery(uploaded, media_root):
    browser = Client(enforce_csrf_checks=True)
    link = path_of(uploaded["delete_url"])
    page = browser.get(link)

    response = browser.post(link, {"csrfmiddlewaretoken": csrf_token_of(page)})

    assert response.status_code == 303
    assert response["Location"] == "/"
    assert not Image.objects.filter(pk=uploaded["id"]).exists()
    assert stored_files(media_root) == []
    assert "Deleted “cat.png”." in browser.get("/").content.decode()


def test_a_post_without_the_csrf_token_deletes_nothing(uploaded):
    response = Client(enforce_csrf_checks=True).post(path_of(uploaded["delete_url"]))

    assert response.status_code == 403
    assert Image.objects.filter(pk=uploaded["id"]).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_token_is_403_and_deletes_nothing(client, uploaded, upload, method):
    other = upload(png_bytes(), "dog.png").json()
    link = f"/delete/{uploaded['id']}/{other['delete_token']}/"

    response = getattr(client, method)(link)

    assert response.status_code == 403
    assert "nothing was deleted" in response.content.decode()
    assert Image.objects.count() == 2


def test_an_unknown_image_is_404(client, uploaded):
    response = client.get(f"/delete/999999/{uploaded['delete_token']}/")

    assert response.status_code == 404


def test_the_token_in_the_address_never_reaches_the_log(client, uploaded, caplog):
    link = path_of(uploaded["delete_url"])
    with caplog.at_level(logging.INFO):
        client.get(link)
        client.post(link)

    lines = [record.getMessage() for record in caplog.records]
    assert f"GET /delete/{uploaded['id']}/…/ 200" in " ".join(lines)
    assert not any(uploaded["delete_token"] in line for line in lines)
    assert not any(uploaded["delete_token"] in str(vars(r)) for r in caplog.records)
