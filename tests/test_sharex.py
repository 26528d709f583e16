"""GET /api/sharex.sxcu: a custom uploader ShareX imports and uses as is.

ShareX reads these files into its CustomUploaderItem (ShareX.UploadersLib,
ShareX 14+); the sets below are that class's properties and the names of the
enums it parses them into, so a field ShareX would ignore or refuse fails here.
"""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from images.models import Image
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOM_UPLOADER_ITEM = {
    "Version", "Name", "DestinationType", "RequestMethod", "RequestURL", "Parameters",
    "Headers", "Body", "Arguments", "FileFormName", "Data", "URL", "ThumbnailURL",
    "DeletionURL", "ErrorMessage",
}
HTTP_METHOD = {"POST", "GET", "PUT", "PATCH", "DELETE"}
CUSTOM_UPLOADER_BODY = {"None", "MultipartFormData", "FormURLEncoded", "JSON", "XML", "Binary"}
DESTINATION_TYPE = {"None", "ImageUploader", "TextUploader", "FileUploader", "URLShortener",
                    "URLSharingService"}
# The one syntax used here: {json:path}, read as the JSONPath "$.path".
JSON_FUNCTION = re.compile(r"^\{json:([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}$")


def sharex_json(expression: str, response_text: str) -> str:
    """What ShareX's {json:…} function gives for a dotted path."""
    path = JSON_FUNCTION.match(expression).group(1)
    value = json.loads(response_text)
    for key in path.split("."):
        value = value[key]
    assert isinstance(value, str)
    return value


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@pytest.fixture
def sxcu(client, settings):
    settings.ALLOWED_HOSTS = ["gallery.example"]
    response = client.get("/api/sharex.sxcu", headers={"host": "gallery.example:8443"})
    assert response.status_code == 200
    return response


def test_it_is_a_download_named_after_the_host(sxcu):
    assert sxcu["Content-Disposition"] == 'attachment; filename="gallery.example-8443.sxcu"'


def test_it_has_only_fields_sharex_reads_with_values_it_accepts(sxcu):
    uploader = json.loads(sxcu.content)

    assert set(uploader) <= CUSTOM_UPLOADER_ITEM
    assert all(isinstance(value, str) for key, value in uploader.items() if key != "Headers")
    # ShareX refuses files of 12.3.1 and older and rewrites the syntax of 13.7.1 and older.
    assert version(uploader["Version"]) > (13, 7, 1)
    assert uploader["RequestMethod"] in HTTP_METHOD
    assert uploader["Body"] == "MultipartFormData" and uploader["Body"] in CUSTOM_UPLOADER_BODY
    assert set(uploader["DestinationType"].split(", ")) <= DESTINATION_TYPE
    assert uploader["RequestURL"] == "http://gallery.example:8443/api/images/"
    assert uploader["FileFormName"] == "file"
    for field in ("URL", "ThumbnailURL", "DeletionURL", "ErrorMessage"):
        assert JSON_FUNCTION.match(uploader[field]), field


def test_its_paths_find_the_links_in_a_real_upload_answer(client, sxcu):
    uploader = json.loads(sxcu.content)
    upload = client.post(
        uploader["RequestURL"],
        {uploader["FileFormName"]: SimpleUploadedFile("Screenshot.png", png_bytes())},
        headers={"host": "gallery.example:8443"},
    )
    assert upload.status_code == 201
    answer = upload.content.decode()
    image = Image.objects.get()

    assert sharex_json(uploader["URL"], answer) == f"http://gallery.example:8443/image/{image.pk}"
    assert sharex_json(uploader["ThumbnailURL"], answer).endswith(f"/image/{image.pk}/w320.webp")
    deletion = sharex_json(uploader["DeletionURL"], answer)
    assert deletion.startswith(f"http://gallery.example:8443/delete/{image.pk}/")


def test_its_error_path_finds_the_message_of_a_refusal(client, sxcu):
    uploader = json.loads(sxcu.content)
    refused = client.post(
        uploader["RequestURL"],
        {uploader["FileFormName"]: SimpleUploadedFile("notes.txt", b"not an image")},
        headers={"host": "gallery.example:8443"},
    )

    assert refused.status_code == 415
    message = sharex_json(uploader["ErrorMessage"], refused.content.decode())
    assert message == "The file is not a PNG, JPEG, GIF, WebP, AVIF or HEIC image."


def test_on_a_private_instance_it_asks_for_the_key_and_works_once_pasted(client, settings):
    import io

    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["gallery.example"]
    settings.UPLOADS_REQUIRE_KEY = True
    sxcu = client.get("/api/sharex.sxcu", headers={"host": "gallery.example"})
    uploader = json.loads(sxcu.content)
    out = io.StringIO()
    call_command("api_key", "create", "sharex", stdout=out, stderr=io.StringIO())

    assert set(uploader["Headers"]) == {"X-API-Key"}
    as_is = {"X-API-Key": uploader["Headers"]["X-API-Key"], "host": "gallery.example"}
    pasted = {"X-API-Key": out.getvalue().strip(), "host": "gallery.example"}
    file = {uploader["FileFormName"]: SimpleUploadedFile("s.png", png_bytes())}
    refused = client.post(uploader["RequestURL"], file, headers=as_is)
    assert refused.status_code == 401
    assert "API key" in sharex_json(uploader["ErrorMessage"], refused.content.decode())
    file = {uploader["FileFormName"]: SimpleUploadedFile("s.png", png_bytes())}
    assert client.post(uploader["RequestURL"], file, headers=pasted).status_code == 201
