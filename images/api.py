"""The JSON API: `/api/images/` and `/api/images/<id>/`, and the brief's
`POST /images` and `POST|DELETE /image/delete`.

Views translate HTTP to service calls and back. They are CSRF-exempt because
scripts authenticate with a bearer token, not a cookie; a cookie-based right
(a staff or uploading session) unlocks a DELETE, which a cross-site form
cannot send, or a POST to `/image/delete` only with Django's CSRF check.
"""

import json
from functools import wraps
from io import BytesIO

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from core.errors import json_error
from images import access, pipeline, search, services, sharing
from images.errors import (
    DeleteForbidden,
    ImageError,
    InvalidImageId,
    MissingImageId,
    respond,
)
from images.models import Image
from images.pagecache import shared_json
from images.serializers import delete_link, image_data, origin_of


def api_view(*methods):
    """CSRF-exempt, JSON 405 for other methods, ImageErrors as JSON errors."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                message = _("Use %(methods)s here.") % {"methods": ", ".join(methods)}
                response = json_error("method_not_allowed", message, 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except ImageError as error:
                return respond(request, error)

        return wrapper

    return decorator


@api_view("GET", "HEAD", "POST")
def image_collection(request):
    if request.method == "POST":
        return _upload(request)
    return _list(request)


@api_view("GET", "HEAD", "DELETE")
def image_item(request, pk: int):
    image = Image.objects.visible().found(pk)
    if request.method == "DELETE":
        return _delete(request, image, access.api_delete_right(request, image))
    return JsonResponse(image_data(image, origin=origin_of(request)))


# The brief's own addresses (CONTRACT.md), beside the REST routes above.


@api_view("POST")
def brief_upload(request):
    """`POST /images`: exactly `POST /api/images/`."""
    return _upload(request)


@api_view("POST", "DELETE")
def brief_delete(request):
    """`POST|DELETE /image/delete` with the id as `?id=`, a form field or JSON.

    Any delete right counts (access.delete_right). Scripts send none in
    cookies; a POST whose right comes from a cookie is a browser's, so it
    must pass Django's CSRF check like any form (a DELETE cannot be sent
    across sites without CORS, which this host does not allow).
    """
    image = Image.objects.visible().found(_requested_id(request))
    right = access.delete_right(request, image)
    if request.method == "POST" and right in access.AMBIENT_RIGHTS:
        return csrf_protect(_delete)(request, image, right)
    return _delete(request, image, right)


def _delete(request, image: Image, right: str | None):
    if right is None:
        raise DeleteForbidden()
    services.image_delete(image=image, actor=right)
    return HttpResponse(status=204)


def _requested_id(request) -> int:
    """The image id of a `/image/delete` request: `?id=N`, a form field `id`
    or a JSON body `{"id": N}` (the same id twice is fine, two ids are not)."""
    given = [value for value in (request.GET.get("id"), _body_fields(request).get("id"))
             if value is not None]
    if not given:
        raise MissingImageId()
    ids = {_image_id(value) for value in given}
    if len(ids) > 1:
        raise InvalidImageId(_("Send one image id, not two different ones."))
    return ids.pop()


def _body_fields(request) -> dict:
    if request.content_type == "application/json":
        try:
            fields = json.loads(request.body or b"{}")
        except ValueError:
            raise InvalidImageId(_("The body is not valid JSON.")) from None
        if not isinstance(fields, dict):
            raise InvalidImageId(_("The JSON body must be an object such as {\"id\": 1}."))
        return fields
    if request.method == "POST":
        return request.POST
    # Django parses form bodies of POSTs only; a DELETE may carry one too.
    if request.content_type == "application/x-www-form-urlencoded":
        return QueryDict(request.body, encoding=request.encoding)
    if request.content_type == "multipart/form-data":
        return request.parse_file_upload(request.META, BytesIO(request.body))[0]
    return {}


def _image_id(value) -> int:
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        try:
            value = int(value)
        except ValueError:  # more digits than Python converts
            raise InvalidImageId() from None
    if type(value) is not int or value < 1:  # True is an int too, and no id
        raise InvalidImageId()
    return value


def _upload(request):
    created = pipeline.receive_one(request)
    origin = origin_of(request)
    body = image_data(created.image, origin=origin)
    body["delete_token"] = created.delete_token
    body["delete_url"] = delete_link(created.image, created.delete_token, origin=origin)
    body["duplicates"] = created.duplicates
    body["share"] = sharing.share_of(body)
    response = JsonResponse(body, status=201)
    response["Location"] = request.build_absolute_uri(
        reverse("api:image", args=[created.image.pk])
    )
    # The token is in this body only: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


MAX_PAGE_SIZE = 100


@shared_json
def _list(request):
    try:
        page_size = int(request.GET.get("page_size", settings.API_PAGE_SIZE))
    except ValueError:
        page_size = 0
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        message = _("page_size must be a whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE}
        return json_error("invalid_page_size", message, 400)
    images = Image.objects.visible().named_like(search.term_of(request))
    paginator = Paginator(images.newest_first(), page_size)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return json_error("invalid_page", _("The page must be a whole number from 1."), 400)
    except EmptyPage:
        return json_error("page_not_found", _("There is no such page."), 404)
    origin = origin_of(request)

    def link(number):
        query = request.GET.copy()
        query["page"] = number
        return f"{origin}{request.path}?{query.urlencode()}"

    return JsonResponse(
        {
            "count": paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [image_data(image, origin=origin) for image in page],
        }
    )
