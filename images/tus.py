"""The tus 1.0.0 protocol at /api/uploads/: HTTP in, images.resumable calls, HTTP out.

Core (HEAD, PATCH), creation (POST), termination (DELETE) and expiration
(Upload-Expires); OPTIONS says so. https://tus.io/protocols/resumable-upload
is the specification; docs/api.md shows a session with curl and tuspy.

A PATCH body may be at most UPLOAD_CHUNK_SIZE bytes (413 beyond): what one
request may cost the server in memory is bounded by that, not by the file.
The PATCH that completes an upload answers like the one-shot upload would:
204 with Image-Id, Image-Url, Image-Delete-Token and Image-Duplicates, or the one-shot
upload's status and JSON error.

Scripts use these routes without cookies or CSRF tokens. The Upload page's
script sends its CSRF token as well: only then does the browser session
become the uploader (the right to delete on the Delete page), as with the
page's own form.
"""

import base64
import binascii
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.errors import json_error
from images import access, keys, naming, pipeline, resumable
from images.errors import (
    ChunkTooLarge,
    CsrfRefused,
    EmptyFile,
    FileTooLarge,
    ImageError,
    TusProtocolError,
    TusVersionUnsupported,
    WrongChunkType,
    respond,
)
from images.serializers import origin_of

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"
MAX_METADATA_LENGTH = 4096


def tus_view(*methods):
    """CSRF-exempt; tus headers on every answer; ImageErrors as JSON errors.

    X-HTTP-Method-Override names the method for clients behind proxies that
    pass only GET and POST, as the protocol requires of servers.
    """
    allowed = ("OPTIONS", *methods)

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            override = request.headers.get("X-HTTP-Method-Override", "").upper()
            if request.method == "POST" and override in allowed:
                request.method = override
            try:
                if request.method not in allowed:
                    response = _method_not_allowed(allowed)
                elif request.method == "OPTIONS":
                    response = _options()
                else:
                    if request.headers.get("Tus-Resumable") != TUS_VERSION:
                        raise TusVersionUnsupported()
                    response = view(request, *args, **kwargs)
            except ImageError as error:
                response = respond(request, error)
            if not response.content:  # nothing to describe
                del response["Content-Type"]
            response["Tus-Resumable"] = TUS_VERSION
            # Offsets change with every PATCH; the completing answer carries a token.
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorator


@tus_view("POST")
def upload_collection(request):
    """Creation: a new upload of Upload-Length bytes, answered with its address."""
    if "Upload-Defer-Length" in request.headers:
        raise TusProtocolError(_("Send Upload-Length: this server needs the size up front."))
    length = _header_number(request, "Upload-Length")
    if length == 0:
        raise EmptyFile()
    if length > settings.MAX_UPLOAD_SIZE:
        raise FileTooLarge(settings.MAX_UPLOAD_SIZE)
    if _content_length(request):
        raise TusProtocolError(_("Create the upload with an empty body, then send it with PATCH."))
    metadata = request.headers.get("Upload-Metadata", "")
    values = parse_metadata(metadata)
    expires_in = _text(values.get("expires_in")).strip() or None
    terms = pipeline.terms(request, expires_in)
    pipeline.admit(request, terms)
    _page_uploader_key(request, create=True)  # one session for all of the page's uploads
    upload = resumable.create_upload(
        length=length,
        metadata=metadata,
        filename=naming.printable(_text(values.get("filename"))),
        expires_in=int(expires_in) if terms.expires_at else None,
        api_key=terms.api_key,
    )
    response = HttpResponse(status=201)
    response["Location"] = origin_of(request) + reverse("api:upload", args=[upload.pk])
    response["Upload-Expires"] = http_date(upload.expires.timestamp())
    return response


@tus_view("HEAD", "PATCH", "DELETE")
def upload_item(request, upload_id):
    keys.api_key(request)  # a key that is sent must be right, as on every route
    if request.method == "DELETE":
        resumable.terminate(upload_id)
        return HttpResponse(status=204)
    upload = resumable.get_upload(upload_id)
    if request.method == "HEAD":
        return _state(request, upload, status=200)
    if request.content_type != CHUNK_CONTENT_TYPE:
        raise WrongChunkType()
    offset = _header_number(request, "Upload-Offset")
    size = _content_length(request)
    if size > settings.UPLOAD_CHUNK_SIZE:
        raise ChunkTooLarge(settings.UPLOAD_CHUNK_SIZE)
    outcome = resumable.append(
        upload, offset=offset, body=request, size=size,
        uploader_key=_page_uploader_key(request) if offset + size == upload.length else None,
    )
    if isinstance(outcome, resumable.Finished):
        response = _state(request, outcome.upload, status=204)
        response["Image-Delete-Token"] = outcome.created.delete_token
        # The upload's `duplicates` (ids, oldest first; empty when none).
        response["Image-Duplicates"] = ", ".join(
            str(pk) for pk in outcome.created.duplicates
        )
        return response
    return _state(request, outcome, status=204)


def parse_metadata(header: str) -> dict[str, bytes]:
    """`key base64,key2 base64,key3` → {key: decoded bytes}; a value may be absent."""
    if len(header) > MAX_METADATA_LENGTH:
        raise TusProtocolError(
            _("Upload-Metadata is longer than %(limit)s characters.")
            % {"limit": MAX_METADATA_LENGTH}
        )
    values = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _space, encoded = pair.partition(" ")
        if key in values or " " in encoded.strip():
            raise TusProtocolError(_("Upload-Metadata is malformed."))
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise TusProtocolError(
                _("Upload-Metadata: the value of “%(key)s” is not Base64.") % {"key": key[:64]}
            ) from None
    return values


def _text(value: bytes | None) -> str:
    # A name is cleaned before it is used, and expires_in checked: bytes that are
    # not UTF-8 become U+FFFD.
    return (value or b"").decode(errors="replace")


def _state(request, upload, *, status: int) -> HttpResponse:
    """An upload's offset and length (and, once it became one, its image)."""
    response = HttpResponse(status=status)
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    if upload.metadata:
        response["Upload-Metadata"] = upload.metadata
    if upload.image_id is not None:
        response["Image-Id"] = str(upload.image_id)
        response["Image-Url"] = origin_of(request) + reverse("api:image", args=[upload.image_id])
    else:
        response["Upload-Expires"] = http_date(upload.expires.timestamp())
    return response


def _options() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.MAX_UPLOAD_SIZE)
    return response


def _method_not_allowed(allowed) -> HttpResponse:
    message = _("Use %(methods)s here.") % {"methods": ", ".join(allowed)}
    return json_error("method_not_allowed", message, 405, Allow=", ".join(allowed))


def _header_number(request, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isascii() or not value.isdigit():
        raise TusProtocolError(
            _("Send %(header)s as a whole number of bytes.") % {"header": name}
        )
    return int(value)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise TusProtocolError(_("Content-Length is not a number.")) from None


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering with its reason instead of a page."""

    def _reject(self, request, reason):
        return reason


def _page_uploader_key(request, *, create: bool = False) -> str | None:
    """The uploading session's key, when the Upload page's script sent the request.

    A request with a CSRF token must carry a valid one (403 otherwise, as for
    the page's form); one without speaks for no session.
    """
    if settings.CSRF_HEADER_NAME not in request.META:
        return None
    if _CsrfCheck(lambda request: None).process_view(request, None, (), {}) is not None:
        raise CsrfRefused()
    return access.uploader_key(request, create=create)

