"""GET /api/schema/ and /api/docs/: the OpenAPI description, true to the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import JsonResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from openapi_core.validation.response.exceptions import DataValidationError
from openapi_spec_validator import validate

from images import api
from images.schema import description
from tests import openapi_check
from tests.corpus import png_bytes
from tests.tus import Tus

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_description_is_valid_openapi_3_1():
    validate(description())
    assert description()["openapi"].startswith("3.1")


def api_routes(resolver=None, prefix="/"):
    """Every address Django routes under /api/, as OpenAPI path templates."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("/api/"):
            yield route.replace("<int:pk>", "{id}").replace("<uuid:upload_id>", "{upload_id}")


def test_every_api_route_is_described_and_nothing_else():
    assert sorted(api_routes()) == sorted(description()["paths"])


def test_the_page_size_limit_is_the_code_s():
    page_size = description()["components"]["parameters"]["PageSize"]["schema"]
    assert page_size["maximum"] == api.MAX_PAGE_SIZE


def test_schema_is_json_naming_the_server_the_client_used(client):
    response = client.get("/api/schema/", headers={"host": "127.0.0.1:8000"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["servers"] == [{"url": "http://127.0.0.1:8000"}]
    assert document["paths"] == description()["paths"]


def test_docs_page_shows_every_operation_under_the_strict_policy(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for operation in operation_ids():
        assert f'id="{operation}"' in html
    assert "<code>delete_token</code>" in html  # the description's `code` spans
    assert 'href="/api/schema/"' in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_other_methods_on_the_tool_addresses_are_405_json(client):
    response = client.post("/api/schema/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_check_refuses_an_answer_the_description_does_not_promise():
    request = RequestFactory().get("/api/images/1/")
    request.resolver_match = resolve("/api/images/1/")
    wrong = JsonResponse({"id": "one"})

    with pytest.raises(DataValidationError):
        openapi_check.check(request, wrong)


# One request the description calls valid, for every operation it describes.
VALID_REQUESTS = {
    "listImages": lambda client, image: client.get("/api/images/?page=1&page_size=10"),
    "listImagesHead": lambda client, image: client.head("/api/images/"),
    "uploadImage": lambda client, image: client.post(
        "/api/images/", {"file": SimpleUploadedFile("a.png", png_bytes()), "name": "b.png"}
    ),
    "getImage": lambda client, image: client.get(f"/api/images/{image['id']}/"),
    "getImageHead": lambda client, image: client.head(f"/api/images/{image['id']}/"),
    "deleteImage": lambda client, image: client.delete(
        f"/api/images/{image['id']}/",
        headers={"Authorization": f"Bearer {image['delete_token']}"},
    ),
    "describeUploads": lambda client, image: client.options("/api/uploads/"),
    "createUpload": lambda client, image: Tus(client).create(10, filename="a.png"),
    "describeUpload": lambda client, image: client.options(Tus(client).start(10)),
    "getUploadOffset": lambda client, image: Tus(client).head(Tus(client).start(10)),
    "appendToUpload": lambda client, image: Tus(client).patch(Tus(client).start(10), 0, b"12345"),
    "terminateUpload": lambda client, image: Tus(client).delete(Tus(client).start(10)),
    "getSchema": lambda client, image: client.get("/api/schema/"),
    "getDocs": lambda client, image: client.get("/api/docs/"),
    "getShareXUploader": lambda client, image: client.get("/api/sharex.sxcu"),
}


def operation_ids():
    for item in description()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation["operationId"]


def test_every_operation_has_a_valid_request_below():
    assert sorted(operation_ids()) == sorted(VALID_REQUESTS)


@pytest.mark.parametrize("operation", sorted(VALID_REQUESTS))
def test_a_valid_request_gets_a_documented_success(client, upload, operation):
    image = upload(png_bytes(), "cat.png").json()
    openapi_check.checked.clear()

    response = VALID_REQUESTS[operation](client, image)

    assert 200 <= response.status_code < 300, response.content[:300]
    # ...and the answer was held to the description (tests/openapi_check.py).
    assert openapi_check.checked[-1].endswith(str(response.status_code))
