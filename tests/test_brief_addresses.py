"""The brief's own addresses: `POST /images` and `POST|DELETE /image/delete`.

They answer beside the /api/ routes with the same rules and JSON
(CONTRACT.md, "The brief's own addresses"), so they are tested the same way:
real uploads into a real media folder, every error path, what is left behind.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart

from images.models import ApiKey, Image
from tests.conftest import files_of_all_images, stored_files
from tests.corpus import png_bytes, refused_cases
from tests.test_pages import page_upload

pytestmark = pytest.mark.django_db(transaction=True)


def brief_upload(client, data, filename="cat.png", **fields):
    return client.post("/images", {"file": SimpleUploadedFile(filename, data), **fields})


# --- POST /images -----------------------------------------------------------------


def test_upload_is_201_with_the_api_answer_token_and_location(client, upload, media_root):
    response = brief_upload(client, png_bytes(), "cat.png")
    through_the_api = upload(png_bytes(), "dog.png").json()

    assert response.status_code == 201
    body = response.json()
    image = Image.objects.get(name="cat.png")
    assert set(body) == set(through_the_api)
    assert client.get(f"/api/images/{image.pk}/").json().items() <= body.items()
    assert image.has_delete_token(body["delete_token"])
    assert response["Location"] == f"http://testserver/api/images/{image.pk}/"
    assert response["Cache-Control"] == "no-store"
    assert stored_files(media_root) == files_of_all_images() != []


def test_uploads_through_both_addresses_share_the_name_numbering(client, upload):
    upload(png_bytes(), "cat.png")

    assert brief_upload(client, png_bytes(), "cat.png").json()["name"] == "cat (2).png"
    assert brief_upload(client, png_bytes(), "x.png", name="dog.png").json()["name"] == "dog.png"


@pytest.mark.parametrize("case", refused_cases(), ids=lambda case: case.id)
def test_a_refused_file_gets_the_api_error_and_leaves_nothing(client, media_root, case):
    response = brief_upload(client, case.data, case.filename)

    assert response.status_code == case.status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == case.code
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_upload_without_a_file_is_400_json(client):
    response = client.post("/images", {"name": "cat.png"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_file"


def test_upload_over_max_upload_size_is_413_json(client, settings, media_root):
    data = png_bytes(width=64, height=64)
    settings.MAX_UPLOAD_SIZE = len(data) - 1

    response = brief_upload(client, data)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert stored_files(media_root) == []


def test_both_addresses_count_against_one_rate_limit(client, upload, settings):
    settings.UPLOAD_RATE_LIMIT = "1/h"
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"brief-{id(client)}"}
        for name, config in settings.CACHES.items()
    }

    assert upload(png_bytes()).status_code == 201
    refused = brief_upload(client, png_bytes())

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1


def test_upload_needs_no_csrf_token():
    assert brief_upload(Client(enforce_csrf_checks=True), png_bytes()).status_code == 201


def test_images_answers_post_only(client):
    response = client.get("/images", headers={"accept": "text/html"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- POST|DELETE /image/delete ----------------------------------------------------


def bearer(token):
    return {"authorization": f"Bearer {token}"}


def delete_request(client, method, how, image_id, headers=None):
    """One delete request, with the id where `how` says."""
    send = client.post if method == "POST" else client.delete
    if how == "query":
        return send(f"/image/delete?id={image_id}", headers=headers)
    if how == "json":
        return send("/image/delete", json.dumps({"id": image_id}),
                    content_type="application/json", headers=headers)
    if how == "form":  # application/x-www-form-urlencoded, as curl -d id=N sends it
        return send("/image/delete", f"id={image_id}",
                    content_type="application/x-www-form-urlencoded", headers=headers)
    assert how == "multipart"  # as curl -F id=N sends it
    boundary = "BriefBoundary"
    return send("/image/delete", encode_multipart(boundary, {"id": str(image_id)}),
                content_type=f"multipart/form-data; boundary={boundary}", headers=headers)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("how", ["query", "json", "form", "multipart"])
def test_delete_with_the_token_is_204_and_removes_row_and_files(
    client, upload, media_root, method, how
):
    body = upload(png_bytes()).json()
    kept = upload(png_bytes(), "kept.png").json()

    response = delete_request(client, method, how, body["id"], bearer(body["delete_token"]))

    assert response.status_code == 204
    assert response.content == b""
    assert list(Image.objects.values_list("pk", flat=True)) == [kept["id"]]
    assert stored_files(media_root) == files_of_all_images() != []
    assert client.get(f"/image/{body['id']}").status_code == 404


def test_the_same_id_in_the_query_and_the_body_is_fine(client, upload):
    body = upload(png_bytes()).json()

    response = client.post(
        f"/image/delete?id={body['id']}", {"id": body["id"]}, headers=bearer(body["delete_token"])
    )

    assert response.status_code == 204


@pytest.mark.parametrize(
    ("request_kwargs", "code"),
    [
        ({}, "missing_id"),
        ({"data": {"name": "cat.png"}}, "missing_id"),
        ({"data": "{}", "content_type": "application/json"}, "missing_id"),
        ({"data": {"id": "abc"}}, "invalid_id"),
        ({"data": {"id": "0"}}, "invalid_id"),
        ({"data": {"id": "-1"}}, "invalid_id"),
        ({"data": {"id": "1.5"}}, "invalid_id"),
        ({"data": {"id": "٣"}}, "invalid_id"),
        ({"data": {"id": "9" * 5000}}, "invalid_id"),
        ({"data": '{"id": true}', "content_type": "application/json"}, "invalid_id"),
        ({"data": '{"id": 1.0}', "content_type": "application/json"}, "invalid_id"),
        ({"data": '{"id": null}', "content_type": "application/json"}, "missing_id"),
        ({"data": "[1]", "content_type": "application/json"}, "invalid_id"),
        ({"data": "{id: 1", "content_type": "application/json"}, "invalid_id"),
        ({"path": "/image/delete?id=1", "data": {"id": "2"}}, "invalid_id"),
    ],
    ids=["nothing", "no-id-field", "empty-json", "letters", "zero", "negative", "fraction",
         "arabic-digit", "5000-digits", "json-true", "json-float", "json-null", "json-list",
         "broken-json", "two-ids"],
)
def test_a_missing_or_malformed_id_is_400_json_and_deletes_nothing(
    client, make_image, request_kwargs, code
):
    image = make_image().image
    kwargs = {"path": "/image/delete", **request_kwargs}

    response = client.post(**kwargs, headers={"accept": "text/html"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert Image.objects.filter(pk=image.pk).exists()


def test_a_delete_with_a_malformed_multipart_body_is_400_json(client, make_image):
    make_image()

    response = client.delete(
        "/image/delete", b"--nope\r\nnot a part", content_type="multipart/form-data; boundary=x"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_an_unknown_id_is_404_json(client, method):
    for image_id in (999, 10**30):
        response = delete_request(client, method, "query", image_id, bearer("x"))

        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": "There is no image with that id."}
        }


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz"],
    ids=["none", "empty-bearer", "wrong-token", "basic"],
)
def test_without_a_right_it_is_403_and_nothing_goes(
    client, upload, media_root, method, authorization
):
    body = upload(png_bytes()).json()
    headers = {"authorization": authorization} if authorization else None

    response = delete_request(client, method, "json", body["id"], headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Image.objects.filter(pk=body["id"]).exists()
    assert stored_files(media_root) == files_of_all_images() != []


def test_another_images_token_does_not_delete(client, upload):
    mine = upload(png_bytes(), "mine.png").json()
    theirs = upload(png_bytes(), "theirs.png").json()

    response = delete_request(client, "POST", "form", theirs["id"], bearer(mine["delete_token"]))

    assert response.status_code == 403
    assert Image.objects.count() == 2


def test_the_api_key_it_was_uploaded_with_may_delete_it_and_no_other(client, media_root):
    mine, key = ApiKey.create("sharex")
    _, other = ApiKey.create("script")
    body = client.post(
        "/images", {"file": SimpleUploadedFile("cat.png", png_bytes())}, headers={"x-api-key": key}
    ).json()
    strict = Client(enforce_csrf_checks=True)

    refused = delete_request(strict, "POST", "form", body["id"], {"x-api-key": other})
    deleted = delete_request(strict, "POST", "form", body["id"], {"x-api-key": key})

    assert Image.objects.filter(api_key=mine).count() == 0
    assert (refused.status_code, deleted.status_code) == (403, 204)
    assert stored_files(media_root) == []


def test_a_wrong_api_key_is_401(client, make_image):
    image = make_image().image

    response = delete_request(client, "DELETE", "query", image.pk, {"x-api-key": "lg_nope_nope"})

    assert response.status_code == 401
    assert Image.objects.filter(pk=image.pk).exists()


def test_a_script_with_the_token_needs_no_csrf_token(upload):
    body = upload(png_bytes()).json()
    strict = Client(enforce_csrf_checks=True)

    response = delete_request(strict, "POST", "form", body["id"], bearer(body["delete_token"]))

    assert response.status_code == 204


# Rights that come in a cookie: the uploading browser session and a staff user.


def uploaded_from_the_page(client) -> Image:
    page_upload(client, ("mine.png", png_bytes()))
    return Image.objects.get(name="mine.png")


def strict_copy_of(client) -> Client:
    """The same browser (its cookies), with Django's CSRF check enforced."""
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    return strict


def csrf_token_of(client) -> str:
    client.get("/upload/")  # any page with a form sets the CSRF cookie
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("how", ["query", "json", "form"])
def test_the_uploading_browser_may_delete_with_delete(client, media_root, how):
    image = uploaded_from_the_page(client)

    response = delete_request(strict_copy_of(client), "DELETE", how, image.pk)

    assert response.status_code == 204
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_the_uploading_browser_may_post_with_its_csrf_token(client):
    image = uploaded_from_the_page(client)
    strict = strict_copy_of(client)

    response = strict.post(
        "/image/delete", {"id": image.pk, "csrfmiddlewaretoken": csrf_token_of(strict)}
    )

    assert response.status_code == 204
    assert not Image.objects.exists()


def test_a_json_post_from_the_browser_sends_the_token_as_a_header(client):
    image = uploaded_from_the_page(client)
    strict = strict_copy_of(client)

    response = strict.post(
        "/image/delete", {"id": image.pk}, content_type="application/json",
        headers={"x-csrftoken": csrf_token_of(strict)},
    )

    assert response.status_code == 204


@pytest.mark.parametrize("how", ["query", "json", "form"])
def test_a_cookie_right_post_without_the_csrf_token_is_403_json(client, media_root, how):
    """What another site's form could send with the user's cookies."""
    image = uploaded_from_the_page(client)

    response = delete_request(strict_copy_of(client), "POST", how, image.pk)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert Image.objects.filter(pk=image.pk).exists()
    assert stored_files(media_root) == files_of_all_images() != []


def test_another_browser_may_not_delete(client, other_client):
    image = uploaded_from_the_page(client)

    assert delete_request(other_client, "DELETE", "query", image.pk).status_code == 403
    assert delete_request(other_client, "POST", "query", image.pk).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


def test_an_api_upload_is_not_the_browsers_to_delete(client, upload):
    body = upload(png_bytes()).json()  # same client, but through the API: no session right

    assert delete_request(client, "DELETE", "query", body["id"]).status_code == 403


def test_staff_may_delete_any_image(client, upload):
    first = upload(png_bytes(), "a.png").json()
    second = upload(png_bytes(), "b.png").json()
    client.force_login(get_user_model().objects.create_user("admin", password="pw", is_staff=True))
    strict = strict_copy_of(client)

    assert delete_request(strict, "DELETE", "json", first["id"]).status_code == 204
    assert delete_request(strict, "POST", "form", second["id"]).status_code == 403  # no CSRF
    response = strict.post(
        "/image/delete", {"id": second["id"], "csrfmiddlewaretoken": csrf_token_of(strict)}
    )
    assert response.status_code == 204
    assert not Image.objects.exists()


def test_a_signed_in_non_staff_user_may_not_delete(client, upload):
    body = upload(png_bytes()).json()
    client.force_login(get_user_model().objects.create_user("someone", password="pw"))

    assert delete_request(client, "DELETE", "query", body["id"]).status_code == 403


def test_the_delete_is_logged_with_the_right_used(client, upload, caplog):
    body = upload(png_bytes()).json()

    delete_request(client, "DELETE", "query", body["id"], bearer(body["delete_token"]))

    deleted = [r for r in caplog.records if getattr(r, "event", None) == "image.deleted"]
    assert [(r.image_id, r.actor) for r in deleted] == [(body["id"], "token")]
    assert body["delete_token"] not in caplog.text


def test_image_delete_answers_post_and_delete_only(client):
    response = client.get("/image/delete?id=1")

    assert response.status_code == 405
    assert response["Allow"] == "POST, DELETE"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_neighbouring_addresses_still_answer_as_before(client, upload):
    body = upload(png_bytes()).json()

    assert client.get(f"/image/{body['id']}").status_code == 200
    assert client.get(f"/images/{body['id']}/").status_code == 200
    assert client.get(f"/images/{body['id']}/")["Content-Type"].startswith("text/html")
    assert client.get("/images/").status_code == 404


def test_a_russian_client_gets_the_id_errors_in_russian(client):
    response = client.post("/image/delete", headers={"accept-language": "ru"})

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Укажите изображение")
