"""What can go wrong with an image request, each with its HTTP status and code.

The views map these to responses in one place (`core.errors`): JSON
`{"error": {"code", "message"}}` for the API, a form or page message for HTML.
"""

from django.template.defaultfilters import filesizeformat


class ImageError(Exception):
    status = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None):
        self.message = message or self.message
        super().__init__(self.message)


class NoFile(ImageError):
    code = "no_file"
    message = "No file was sent: attach the image as a multipart part named “file”."


class EmptyFile(ImageError):
    code = "empty_file"
    message = "The file is empty."


class FileTooLarge(ImageError):
    status = 413
    code = "file_too_large"

    def __init__(self, limit: int):
        super().__init__(f"The file is larger than the limit of {filesizeformat(limit)}.")


class ImageTooLarge(ImageError):
    status = 413
    code = "image_too_large"

    def __init__(self, limit: int, pixels: int | None = None):
        counted = f"has {pixels:,} pixels" if pixels else "has too many pixels"
        super().__init__(f"The image {counted}; the limit is {limit:,}.")


class TooManyFrames(ImageError):
    status = 413
    code = "too_many_frames"

    def __init__(self, limit: int):
        super().__init__(f"The animation has more than {limit:,} frames.")


class UnsupportedImage(ImageError):
    status = 415
    code = "unsupported_image"
    message = "The file is not a PNG, JPEG, GIF or WebP image."


class CorruptImage(ImageError):
    status = 415
    code = "corrupt_image"
    message = "The image is damaged or truncated and cannot be decoded."


class ImageNotFound(ImageError):
    status = 404
    code = "not_found"
    message = "There is no image with that id."


class DeleteForbidden(ImageError):
    status = 403
    code = "forbidden"
    message = "You may not delete this image: send its delete token."


class StorageFull(ImageError):
    status = 507
    code = "insufficient_storage"
    message = "The image store is full; nothing was saved. Try again later."


class NameUnavailable(ImageError):
    status = 409
    code = "name_unavailable"
    message = "No free display name could be found for this image; choose another name."


class TooManyFiles(ImageError):
    code = "too_many_files"
    message = "Send one file per request (one multipart part named “file”)."


class StorageUnavailable(ImageError):
    status = 503
    code = "storage_unavailable"
    message = "The image store is unavailable; nothing was saved. Try again shortly."
