"""GET /api/images/, GET and DELETE /api/images/<id>/."""

import pytest
from django.contrib.auth import get_user_model

from images.models import Image
from tests.conftest import files_of_all_images, stored_files
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_is_newest_first_with_count_and_links(client, make_image, settings):
    settings.API_PAGE_SIZE = 2
    ids = [make_image(f"{n}.png").image.pk for n in range(3)]

    first = client.get("/api/images/").json()
    second = client.get(first["next"]).json()

    assert first["count"] == 3
    assert [image["id"] for image in first["results"]] == [ids[2], ids[1]]
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/images/?page=2"
    assert [image["id"] for image in second["results"]] == [ids[0]]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/images/?page=1"


def test_list_results_carry_the_image_object_without_the_token(client, make_image):
    make_image("cat.png")

    result = client.get("/api/images/").json()["results"][0]

    assert set(result) >= {"id", "name", "size", "date", "content_type", "width", "height",
                           "url", "page_url"}
    assert "delete_token" not in result


def test_empty_list_is_200(client):
    assert client.get("/api/images/").json() == {
        "count": 0, "next": None, "previous": None, "results": []
    }


def test_page_past_the_last_is_404_json(client, make_image):
    make_image()

    response = client.get("/api/images/?page=2")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "page_not_found"


@pytest.mark.parametrize("query", ["page=abc", "page_size=0", "page_size=101", "page_size=x"])
def test_malformed_paging_is_400_json(client, query):
    response = client.get(f"/api/images/?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_page", "invalid_page_size"}


def test_page_size_is_kept_in_the_links(client, make_image):
    for n in range(3):
        make_image(f"{n}.png")

    body = client.get("/api/images/?page_size=1").json()

    assert len(body["results"]) == 1
    assert body["next"] == "http://testserver/api/images/?page_size=1&page=2"


def test_get_one_image(client, make_image):
    image = make_image("cat.png").image

    body = client.get(f"/api/images/{image.pk}/").json()

    assert body["id"] == image.pk
    assert body["name"] == "cat.png"
    assert "delete_token" not in body


def test_get_unknown_id_is_404_json(client):
    response = client.get("/api/images/999/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "There is no image with that id."}
    }


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/nothing-here/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(client, make_image):
    image = make_image().image

    response = client.put(f"/api/images/{image.pk}/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, DELETE"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_delete_with_the_upload_token_is_204_and_removes_row_and_file(client, upload, media_root):
    body = upload(png_bytes()).json()

    response = client.delete(
        f"/api/images/{body['id']}/", headers={"authorization": f"Bearer {body['delete_token']}"}
    )

    assert response.status_code == 204
    assert not Image.objects.filter(pk=body["id"]).exists()
    assert stored_files(media_root) == []
    assert client.get(f"/image/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "bearer"],
    ids=["none", "empty-bearer", "wrong-token", "basic", "scheme-only"],
)
def test_delete_without_the_right_token_is_403(client, upload, media_root, authorization):
    body = upload(png_bytes()).json()
    headers = {"authorization": authorization} if authorization else {}

    response = client.delete(f"/api/images/{body['id']}/", headers=headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Image.objects.filter(pk=body["id"]).exists()
    assert stored_files(media_root) == files_of_all_images() != []


def test_another_images_token_does_not_delete(client, upload):
    mine = upload(png_bytes(), "mine.png").json()
    theirs = upload(png_bytes(), "theirs.png").json()

    response = client.delete(
        f"/api/images/{theirs['id']}/", headers={"authorization": f"Bearer {mine['delete_token']}"}
    )

    assert response.status_code == 403
    assert Image.objects.filter(pk=theirs["id"]).exists()


def test_signed_in_staff_may_delete_without_a_token(client, upload):
    body = upload(png_bytes()).json()
    staff = get_user_model().objects.create_user("admin", password="pw", is_staff=True)
    client.force_login(staff)

    assert client.delete(f"/api/images/{body['id']}/").status_code == 204


def test_signed_in_non_staff_may_not_delete(client, upload):
    body = upload(png_bytes()).json()
    client.force_login(get_user_model().objects.create_user("someone", password="pw"))

    assert client.delete(f"/api/images/{body['id']}/").status_code == 403


def test_delete_unknown_id_is_404(client):
    response = client.delete("/api/images/999/", headers={"authorization": "Bearer x"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_needs_no_csrf_token(upload):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert upload(png_bytes(), client=strict).status_code == 201
