"""Reading a one-file upload request: shared by the API and the Upload page's script."""

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
