"""The upload temp folder (UPLOAD_TEMP_DIR): what Django spools large uploads
to while a request is handled. A server killed mid-upload leaves its files
behind; the next start clears the folder and `reconcile_media` removes what is
older than any upload could be. (What happens to an upload is images.pipeline.)
"""

import shutil
import time
from pathlib import Path

from django.conf import settings


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
