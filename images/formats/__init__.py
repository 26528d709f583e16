"""The image formats Live Gallery accepts: one module each, listed in FORMATS.

A format module declares an `ImageFormat` (images.formats.base): MIME type,
file extensions, the Pillow decoders that read it, its metadata stripper, a
human label, whether browsers show it, and what decoding it costs. The rest
of the app reads this registry and never names a format: validation (which
decoders Pillow may try on an upload), the model (the stored file's
extension), the upload form (`accept`, help text), error messages, previews,
the nginx include (`manage.py nginx_formats`), the docs. Adding a format is a
module here, its line below, and its tests (docs/design.md, "Adding a format").
"""

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from images.formats import avif, gif, heic, jpeg, png, webp
from images.formats.base import ImageFormat

# In the order Pillow tries them on an upload, and people read them.
FORMATS: tuple[ImageFormat, ...] = (
    png.FORMAT, jpeg.FORMAT, gif.FORMAT, webp.FORMAT, avif.FORMAT, heic.FORMAT
)
# What a format browsers do not show is rendered as at upload, full size.
RENDITION = jpeg.FORMAT

_BY_CONTENT_TYPE = {image_format.content_type: image_format for image_format in FORMATS}
_DECODERS = tuple(name for image_format in FORMATS for name in image_format.pillow_formats)
_BY_PILLOW_FORMAT = {
    name: image_format
    for image_format in FORMATS
    for name in (*image_format.pillow_formats, *image_format.opened_as)
}

__all__ = ["FORMATS", "ImageFormat", "accept", "by_content_type", "by_pillow_format", "labels"]


def by_content_type(content_type: str) -> ImageFormat:
    """The format of a stored image; KeyError for a type the gallery does not take."""
    return _BY_CONTENT_TYPE[content_type]


def by_pillow_format(name: str) -> ImageFormat:
    """The format of a file Pillow opened, by the `format` it reports."""
    return _BY_PILLOW_FORMAT[name]


def pillow_formats() -> tuple[str, ...]:
    """The decoders Pillow may try on an upload."""
    return _DECODERS


def labels() -> str:
    """"PNG, JPEG, GIF or WebP", in the language of the request."""
    return get_text_list([image_format.label for image_format in FORMATS], _("or"))


def accept() -> str:
    """The file picker's `accept`: every MIME type and extension of every format."""
    return ",".join(
        [image_format.content_type for image_format in FORMATS]
        + [f".{extension}" for image_format in FORMATS for extension in image_format.extensions]
    )
