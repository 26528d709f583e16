"""What can go wrong with an image request, each with its HTTP status and code.

The views map these to responses in one place (`core.errors`): JSON
`{"error": {"code", "message"}}` for the API, a form or page message for HTML.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import error_page, is_api, json_error
from images.units import binary_size


class ImageError(Exception):
    status = 400
    code = "bad_request"
    title = _("Not done")
    message = _("The request could not be processed.")

    def __init__(self, message: str | None = None):
        # Rendered now, in the language of the request being answered.
        self.message = str(message or self.message)
        super().__init__(self.message)

    @property
    def headers(self) -> dict[str, str]:
        """Response headers that belong to this error (e.g. Retry-After)."""
        return {}


def respond(request, error: ImageError):
    """Every refusal's answer, in one place: JSON `{"error": {"code", "message"}}`
    for the API and for scripts that ask for JSON, else an error page."""
    if is_api(request):
        return json_error(error.code, error.message, error.status, **error.headers)
    response = error_page(request, error.status, str(error.title), error.message)
    for header, value in error.headers.items():
        response[header] = value
    return response


class NoFile(ImageError):
    code = "no_file"
    message = _("No file was sent: attach the image as a multipart part named “file”.")


class EmptyFile(ImageError):
    code = "empty_file"
    message = _("The file is empty.")


class FileTooLarge(ImageError):
    status = 413
    code = "file_too_large"

    def __init__(self, limit: int):
        super().__init__(
            _("The file is larger than the limit of %(limit)s.")
            % {"limit": binary_size(limit)}
        )


class ImageTooLarge(ImageError):
    status = 413
    code = "image_too_large"

    def __init__(self, limit: int, pixels: int | None = None):
        if pixels:
            message = _("The image has %(pixels)s pixels; the limit is %(limit)s.")
        else:
            message = _("The image has too many pixels; the limit is %(limit)s.")
        super().__init__(message % {"pixels": f"{pixels or 0:,}", "limit": f"{limit:,}"})


class DecodeTooLarge(ImageTooLarge):
    """Within the pixel limit, but decoding it would take too much memory."""

    def __init__(self, limit: int, needed: int):
        ImageError.__init__(
            self,
            _(
                "Decoding this image would take about %(needed)s of memory; "
                "the limit is %(limit)s."
            )
            % {"needed": binary_size(needed), "limit": binary_size(limit)},
        )


class TooManyFrames(ImageError):
    status = 413
    code = "too_many_frames"

    def __init__(self, limit: int):
        super().__init__(
            _("The animation has more than %(limit)s frames.") % {"limit": f"{limit:,}"}
        )


class UnsupportedImage(ImageError):
    status = 415
    code = "unsupported_image"

    def __init__(self, accepted: str):
        """`accepted`: the formats' labels, "PNG, JPEG, GIF or WebP" (images.formats)."""
        super().__init__(_("The file is not a %(formats)s image.") % {"formats": accepted})


class CorruptImage(ImageError):
    status = 415
    code = "corrupt_image"
    message = _("The image is damaged or truncated and cannot be decoded.")


class ImageNotFound(ImageError):
    status = 404
    code = "not_found"
    title = _("Not found")
    message = _("There is no image with that id.")


class MissingImageId(ImageError):
    code = "missing_id"
    message = _("Say which image: send its id as “id” (form field, JSON body or ?id=).")


class InvalidImageId(ImageError):
    code = "invalid_id"
    message = _("The image id must be a whole number from 1.")


class InvalidSearch(ImageError):
    code = "invalid_query"
    title = _("Not a search")

    def __init__(self, limit: int):
        super().__init__(
            _("Search for at most %(limit)d characters, without control characters.")
            % {"limit": limit}
        )


class DeleteForbidden(ImageError):
    status = 403
    code = "forbidden"
    message = _("You may not delete this image: send its delete token.")


class StorageFull(ImageError):
    status = 507
    code = "insufficient_storage"
    message = _("The image store is full; nothing was saved. Try again later.")


class NameUnavailable(ImageError):
    status = 409
    code = "name_unavailable"
    message = _("No free display name could be found for this image; choose another name.")


class TooManyFiles(ImageError):
    code = "too_many_files"
    message = _("Send one file per request (one multipart part named “file”).")


class StorageUnavailable(ImageError):
    status = 503
    code = "storage_unavailable"
    message = _("The image store is unavailable; nothing was saved. Try again shortly.")


class Unauthorized(ImageError):
    status = 401
    code = "unauthorized"
    message = _("Uploading here needs an API key (the X-API-Key header) or a signed-in user.")

    @property
    def headers(self):
        return {"WWW-Authenticate": 'X-API-Key realm="Live Gallery"'}


class UnknownApiKey(Unauthorized):
    message = _("The API key sent (X-API-Key) is unknown or revoked.")


class InvalidExpiry(ImageError):
    code = "invalid_expires_in"

    def __init__(self, minimum: int, maximum: int):
        super().__init__(
            _("expires_in must be a whole number of seconds from %(min)s to %(max)s.")
            % {"min": minimum, "max": f"{maximum:,}"}
        )


class ServerBusy(ImageError):
    status = 503
    code = "server_busy"

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            ngettext(
                "The server is busy with other uploads; nothing was saved. "
                "Try again in %(seconds)d second.",
                "The server is busy with other uploads; nothing was saved. "
                "Try again in %(seconds)d seconds.",
                retry_after,
            )
            % {"seconds": retry_after}
        )

    @property
    def headers(self):
        return {"Retry-After": str(self.retry_after)}


class RateLimited(ImageError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            ngettext(
                "Too many uploads; try again in %(seconds)d second.",
                "Too many uploads; try again in %(seconds)d seconds.",
                retry_after,
            )
            % {"seconds": retry_after}
        )

    @property
    def headers(self):
        return {"Retry-After": str(self.retry_after)}


class UploadNotFound(ImageError):
    status = 404
    code = "not_found"
    message = _("There is no upload at this address.")


class UploadExpired(ImageError):
    status = 410
    code = "upload_expired"
    message = _("This upload expired before it was finished; start it again.")


class UploadDataLost(ImageError):
    status = 410
    code = "upload_data_lost"
    message = _("Part of this upload's data is gone from the store; start it again.")


class OffsetMismatch(ImageError):
    status = 409
    code = "offset_mismatch"

    def __init__(self, offset: int):
        self.offset = offset
        super().__init__(
            _("The upload continues at byte %(offset)s: ask with HEAD and send from there.")
            % {"offset": offset}
        )

    @property
    def headers(self):
        return {"Upload-Offset": str(self.offset)}


class UploadLocked(ImageError):
    status = 423
    code = "upload_locked"
    message = _("This upload is being finished by another request; ask again shortly.")


class ChunkTooLarge(ImageError):
    status = 413
    code = "chunk_too_large"

    def __init__(self, limit: int):
        super().__init__(
            _("Send at most %(limit)s bytes per PATCH request (a smaller chunk size).")
            % {"limit": limit}
        )


class UploadLengthExceeded(ImageError):
    status = 413
    code = "upload_length_exceeded"
    message = _("These bytes would go past the upload's declared length.")


class IncompleteChunk(ImageError):
    code = "incomplete_chunk"
    message = _("The request ended before its declared length; send the chunk again.")


class TusProtocolError(ImageError):
    """A request that does not follow the tus protocol (a missing or malformed header)."""

    code = "invalid_tus_request"


class TusVersionUnsupported(ImageError):
    status = 412
    code = "tus_version_unsupported"
    message = _("This server speaks tus 1.0.0: send the header Tus-Resumable: 1.0.0.")

    @property
    def headers(self):
        return {"Tus-Version": "1.0.0"}


class WrongChunkType(ImageError):
    status = 415
    code = "unsupported_media_type"
    message = _("Send the bytes of a PATCH as Content-Type: application/offset+octet-stream.")


class CsrfRefused(ImageError):
    status = 403
    code = "csrf_failed"
    message = _("The form could not be verified (CSRF). Reload the page and try again.")
