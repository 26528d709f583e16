"""`GET /api/sharex.sxcu`: a ShareX custom uploader for this server.

The fields are those ShareX's CustomUploaderItem reads (ShareX 14 and newer:
`Version` above 13.7.1, so no old-syntax migration runs). `{json:path}`
picks a value out of the upload's JSON answer, on success (`URL`, …) or on
an error status (`ErrorMessage`).
"""

import re

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse

from images import keys
from images.serializers import origin_of

SHAREX_VERSION = "17.0.0"
KEY_PLACEHOLDER = "paste your API key here"
NOT_IN_FILE_NAMES = re.compile(r"[^A-Za-z0-9.-]+")


def uploader_for(origin: str, host: str) -> dict:
    uploader = {
        "Version": SHAREX_VERSION,
        "Name": f"Live Gallery ({host})",
        "DestinationType": "ImageUploader",
        "RequestMethod": "POST",
        "RequestURL": origin + reverse("api:images"),
        "Body": "MultipartFormData",
        "FileFormName": "file",
        "URL": "{json:url}",
        "ThumbnailURL": "{json:thumbnail_url}",
        "DeletionURL": "{json:delete_url}",
        "ErrorMessage": "{json:error.message}",
    }
    if settings.UPLOADS_REQUIRE_KEY:
        # A private instance: the key is the user's to paste (ShareX keeps it
        # in its own settings); this file is public and must not hold one.
        uploader["Headers"] = {keys.HEADER: KEY_PLACEHOLDER}
    return uploader


def uploader(request):
    host = request.get_host()
    response = JsonResponse(uploader_for(origin_of(request), host), json_dumps_params={"indent": 2})
    file_name = NOT_IN_FILE_NAMES.sub("-", host).strip("-.") or "live-gallery"
    response["Content-Disposition"] = f'attachment; filename="{file_name}.sxcu"'
    return response
