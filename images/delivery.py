"""`GET /image/<id>`: bytes every browser shows, streamed, cached for good.

That is the stored file for the formats browsers show, and the full-size
JPEG rendition made at upload for the others (HEIC). `/image/<id>/original`
is always the stored file, with the display name in `Content-Disposition`;
behind nginx with media on disk (MEDIA_ACCEL_REDIRECT set) the app only names
the file and nginx sends it (`X-Accel-Redirect`).

An async view, so the bytes stream from storage (a local file, or the body of
S3's GetObject: images.storage.open_stream) in large chunks without a thread
per request holding the file; (Django's FileResponse would be read into
memory whole under ASGI). A conditional request is answered from the row
alone, without touching the file. A store that cannot be read is a 503.
In the compose stack nginx answers this URL itself and asks the app only
when it has no copy (docs/deployment.md).
"""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from core.errors import error_page, is_api, json_error, page_not_found
from images.errors import ImageNotFound, StorageUnavailable
from images.formats import RENDITION
from images.models import Image
from images.storage import open_stream

logger = logging.getLogger("live_gallery.images")

CHUNK_SIZE = 256 * 1024
# What the bytes behind /image/<id> are never changes (ids are never reused),
# and they must never be run as a page: no scripts, no plugins, no framing,
# nothing fetched. Inline styles only: a browser opening the address shows the
# image in a page of its own making, centred by style attributes, which
# default-src 'none' blocked (the image sat in the top left corner). Bytes
# sent as an image type with nosniff carry no markup of ours or an uploader's,
# so those attributes are the browser's (docs/security.md).
BYTES_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Disposition": "inline",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": BYTES_CSP,
}


async def image_bytes(request, pk: int):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    image = await _image_or_none(pk)
    if image is None:
        return await sync_to_async(page_not_found)(request)
    if not image.image_format.browsers_show:
        return await _serve(
            request, image.rendition_name(), RENDITION.content_type,
            f'"{image.sha256}-{RENDITION.extension}"', cache=_cache_control(image),
        )
    return await _serve(
        request, image.path, image.content_type, image.etag, size=image.size,
        cache=_cache_control(image),
    )


async def original_bytes(request, pk: int):
    """The stored file exactly, named as the image is (a browser's Save As)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    image = await _image_or_none(pk, "name")
    if image is None:
        return await sync_to_async(page_not_found)(request)
    disposition = content_disposition_header(False, image.name)
    if settings.MEDIA_ACCEL_REDIRECT and not settings.S3_BUCKET:
        return _accel_redirect(request, image, disposition)
    return await _serve(
        request, image.path, image.content_type, image.etag, size=image.size,
        cache=_cache_control(image), disposition=disposition,
    )


def _accel_redirect(request, image: Image, disposition: str):
    """nginx sends the file (sendfile, ranges, its own 304s); the app only names it."""
    response = HttpResponse(
        headers={
            **HEADERS,
            "Content-Type": image.content_type,
            "Content-Disposition": disposition,
            "Cache-Control": _cache_control(image),
            "X-Accel-Redirect": settings.MEDIA_ACCEL_REDIRECT + image.path,
        }
    )
    return _language_neutral(response)


async def thumbnail_bytes(request, pk: int, width: int):
    """A gallery preview: WebP, immutable like the original, same safety headers."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    image = await _image_or_none(pk)
    if image is None or not image.has_thumbnails or width not in settings.PREVIEW_WIDTHS:
        return await sync_to_async(page_not_found)(request)
    etag = f'"{image.sha256}-w{width}"'
    return await _serve(
        request, image.preview_name(width), "image/webp", etag, cache=_cache_control(image)
    )


async def animated_preview_bytes(request, pk: int, width: int):
    """An animation's moving gallery preview (animated WebP), served as the still ones."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    image = await _image_or_none(pk, "has_animated_preview")
    if image is None or not image.has_animated_preview or width != settings.ANIMATED_PREVIEW_WIDTH:
        return await sync_to_async(page_not_found)(request)
    etag = f'"{image.sha256}-a{width}"'
    return await _serve(
        request, image.animated_preview_name(), "image/webp", etag, cache=_cache_control(image)
    )


def _cache_control(image: Image) -> str:
    """Cached for good, unless the image expires: then no longer than it lives."""
    if image.expires_at is None:
        return HEADERS["Cache-Control"]
    seconds_left = max(0, int((image.expires_at - timezone.now()).total_seconds()))
    return f"public, max-age={seconds_left}"


def _lookup(pk: int, *more_fields: str) -> Image | None:
    fields = ("path", "size", "content_type", "sha256", "has_thumbnails", "expires_at")
    try:
        return Image.objects.visible().only(*fields, *more_fields).found(pk)
    except ImageNotFound:
        return None
    finally:
        # The response may stream for seconds, or be abandoned by its client:
        # give the (pooled) connection back now, not at request_finished —
        # held for every download, a busy moment used up the whole pool.
        connection.close()


async def _image_or_none(pk: int, *more_fields: str) -> Image | None:
    return await sync_to_async(_lookup)(pk, *more_fields)


async def _serve(
    request, name: str, content_type: str, etag: str, size: int | None = None, *, cache: str,
    disposition: str = HEADERS["Content-Disposition"],
):
    headers = {**HEADERS, "ETag": etag, "Cache-Control": cache, "Content-Disposition": disposition}
    if (not_modified := get_conditional_response(request, etag=etag)) is not None:
        for header, value in headers.items():
            not_modified.headers.setdefault(header, value)
        return _language_neutral(not_modified)
    headers["Content-Type"] = content_type
    if size is not None:
        headers["Content-Length"] = str(size)
    if request.method == "HEAD":
        return _language_neutral(HttpResponse(headers=headers))

    try:
        file = await sync_to_async(open_stream, thread_sensitive=False)(name)
    except FileNotFoundError:
        # The row outlived its file (see `manage.py reconcile_media`).
        return await sync_to_async(page_not_found)(request)
    except OSError as exc:
        logger.error("reading %s failed: %s", name, exc)
        return await sync_to_async(_storage_unavailable)(request)
    # The HTTP tier is a WSGI server (core.wsgi), which iterates in a thread
    # of its own; an async iterator there would be read whole into memory.
    chunks = _sync_chunks(file) if isinstance(request, WSGIRequest) else _chunks(file)
    return _language_neutral(StreamingHttpResponse(chunks, headers=headers))


def _storage_unavailable(request):
    """S3 (or the media disk) cannot be read: an outage to retry, not a 500."""
    message = _("The image store is unavailable; try again shortly.")
    if is_api(request):
        response = json_error(StorageUnavailable.code, message, 503)
    else:
        response = error_page(request, 503, _("Service unavailable"), message)
    response["Retry-After"] = "5"
    return response


def _language_neutral(response):
    """Bytes are the same in every language (core.i18n.PageLocaleMiddleware)."""
    response.language_neutral = True
    return response


async def _chunks(file):
    read = sync_to_async(file.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK_SIZE):
            yield chunk
    finally:
        await sync_to_async(file.close, thread_sensitive=False)()


def _sync_chunks(file):
    try:
        while chunk := file.read(CHUNK_SIZE):
            yield chunk
    finally:
        file.close()
