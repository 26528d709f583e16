"""The JSON API: `/api/images/` and `/api/images/<id>/`.

Views translate HTTP to service calls and back. They are CSRF-exempt because
scripts authenticate with a bearer token, not a cookie; the one cookie-based
right (a staff session) only unlocks DELETE, which a cross-site form cannot send.
"""

from functools import wraps

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.errors import json_error
from images import access, services, uploads
from images.errors import DeleteForbidden, ImageError, ImageNotFound
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
                return json_error(error.code, error.message, error.status, **error.headers)

        return wrapper

    return decorator


@api_view("GET", "HEAD", "POST")
def image_collection(request):
    if request.method == "POST":
        return _upload(request)
    return _list(request)


@api_view("GET", "HEAD", "DELETE")
def image_item(request, pk: int):
    image = _get(pk)
    if request.method == "DELETE":
        right = access.api_delete_right(request, image)
        if right is None:
            raise DeleteForbidden()
        services.image_delete(image=image, actor=right)
        return HttpResponse(status=204)
    return JsonResponse(image_data(image, origin=origin_of(request)))


def _get(pk: int) -> Image:
    try:
        return Image.objects.visible().get(pk=pk)
    except Image.DoesNotExist:
        raise ImageNotFound() from None


def _upload(request):
    created = uploads.create_from_request(request)
    origin = origin_of(request)
    body = image_data(created.image, origin=origin)
    body["delete_token"] = created.delete_token
    body["delete_url"] = delete_link(created.image, created.delete_token, origin=origin)
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
    paginator = Paginator(Image.objects.visible().newest_first(), page_size)
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
