"""Reading a one-file upload request: shared by the API and the Upload page's script.

Also the upload temp folder (UPLOAD_TEMP_DIR): what Django spools large
uploads to while a request is handled. A server killed mid-upload leaves its
files behind; the next start clears the folder and `reconcile_media` removes
what is older than any upload could be.
"""

import shutil
import time
from pathlib import Path

from django.conf import settings

from images.errors import NoFile, TooManyFiles
from images.ratelimit import check_upload_rate
from images.services import CreatedImage, image_create


def create_from_request(request, *, uploader_key: str | None = None) -> CreatedImage:
    """Rate-limit the client, take exactly one `file` part (and an optional
    `name`), and store it through the service."""
    check_upload_rate(request)
    files = request.FILES.getlist("file")
    if not files:
        raise NoFile()
    if len(files) > 1 or len(request.FILES) > 1:
        raise TooManyFiles()
    return image_create(
        file=files[0], name=request.POST.get("name") or None, uploader_key=uploader_key
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
