"""Reading an upload request: shared by the API, the brief's `/images` and the
Upload page (its form and its script).

`upload_terms` is what every upload route asks first: may this request upload
at all (UPLOADS_REQUIRE_KEY, X-API-Key), and for how long is the image kept
(`expires_in`). The answers go to the service with each file.

Also the upload temp folder (UPLOAD_TEMP_DIR): what Django spools large
uploads to while a request is handled. A server killed mid-upload leaves its
files behind; the next start clears the folder and `reconcile_media` removes
what is older than any upload could be.
"""

import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from images import keys
from images.errors import NoFile, TooManyFiles
from images.expiry import expires_at
from images.models import ApiKey
from images.ratelimit import check_upload_rate
from images.services import CreatedImage, image_create


@dataclass(frozen=True)
class UploadTerms:
    api_key: ApiKey | None
    expires_at: datetime | None

    def as_kwargs(self) -> dict:
        return {"api_key": self.api_key, "expires_at": self.expires_at}


def upload_terms(request, expires_in: str | None) -> UploadTerms:
    """Whether this request may upload (401 Unauthorized if not: a wrong key, or
    none on a private instance) and until when its images live (400 for a bad
    `expires_in`), checked before any file is looked at."""
    return UploadTerms(api_key=keys.upload_key(request), expires_at=expires_at(expires_in))


def create_from_request(request, *, uploader_key: str | None = None) -> CreatedImage:
    """Check the terms, rate-limit the client and its key, take exactly one
    `file` part (and an optional `name`), and store it through the service."""
    terms = upload_terms(request, request.POST.get("expires_in"))
    check_upload_rate(request, api_key=terms.api_key)
    files = request.FILES.getlist("file")
    if not files:
        raise NoFile()
    if len(files) > 1 or len(request.FILES) > 1:
        raise TooManyFiles()
    return image_create(
        file=files[0], name=request.POST.get("name") or None, uploader_key=uploader_key,
        **terms.as_kwargs(),
    )


def clear_temp_dir() -> None:
    """Empty (and create) this server's upload temp folder, at start."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def stale_temp_files(min_age: float) -> list[Path]:
    """Upload temp files not touched for `min_age` seconds: no request owns them."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return []
    cutoff = time.time() - min_age
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and path.stat().st_mtime < cutoff
    )
