"""The HTML pages: one page per action, the same services as the API."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import error_page
from images import access, keepsakes, pipeline, search, services, sharing
from images.errors import ImageError, ImageNotFound, InvalidSearch, respond
from images.forms import ImageIdForm, UploadForm
from images.models import Image
from images.pagecache import shared_page
from images.serializers import delete_link, image_data, origin_of

PICKER_PAGE_SIZE = 24
# The most images one confirmation (and one POST) of the Delete page takes.
MAX_CHOSEN = 100
MAX_ID = 2**63 - 1  # BigAutoField
# Counts whose plural forms the gallery's script needs (Intl.PluralRules picks
# the one of the same category): enough for English's two and Russian's three.
PLURAL_SAMPLES = (0, 1, 2, 3, 5, 11, 21, 22, 25)
# What the gallery's <template> tile is rendered from: the script fills in a
# live image's id, name, sizes and placeholder (static/js/gallery.js).
TILE_STAND_IN = Image(
    pk=0, name="", width=1, height=1, has_thumbnails=True, content_type="image/png"
)


@require_GET
@shared_page
def gallery(request):
    """Newest first, paginated, optionally searched by name (`?q=`).

    The query string (q and page) is part of the page cache's key.
    """
    status, error = 200, None
    try:
        term = search.term_of(request)
        images = Image.objects.visible().named_like(term)
    except InvalidSearch as refusal:
        status, error, term = 400, refusal.message, request.GET.get("q", "")[: search.MAX_TERM]
        images = Image.objects.none()
    paginator = Paginator(images.newest_first(), settings.GALLERY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "count": paginator.count,
        "stand_in": TILE_STAND_IN,
        "q": term,
        "search_error": error,
        **search.navigation(page, term),
        "first_page_url": search.query_url(1, term),
        "new_images_texts": [
            (count, ngettext(
                "%(count)s new image — show", "%(count)s new images — show", count
            )) for count in PLURAL_SAMPLES
        ],
    }
    return render(request, "images/gallery.html", context, status=status)


def picker(request, images) -> dict:
    """The View and Delete pages' picker: `images` searched by `q`, one page
    of PICKER_PAGE_SIZE (two queries, whichever the page)."""
    error = None
    try:
        term = search.term_of(request)
    except InvalidSearch as refusal:
        error, term, images = refusal.message, "", images.none()
    paginator = Paginator(images.named_like(term).newest_first(), PICKER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page": page,
        "q": term,
        "error": error,
        **search.navigation(page, term),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def upload(request):
    if request.method == "POST" and wants_json(request):
        return _upload_one_as_json(request)
    if settings.UPLOADS_REQUIRE_KEY and not request.user.is_authenticated:
        # A private instance: the page says so and offers the sign-in page.
        context = {"sign_in_url": f"{reverse('admin:login')}?next={reverse('images:upload')}"}
        return render(request, "images/upload.html", context, status=401)
    if request.method != "POST":
        context = {"form": UploadForm(), "kept": keepsakes.recall(request)}
        return private(render(request, "images/upload.html", context))

    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "images/upload.html", {"form": form}, status=400)

    files = form.cleaned_data["file"]
    name = form.cleaned_data["name"] if len(files) == 1 else None
    try:
        outcomes = pipeline.receive(
            request,
            [pipeline.Incoming(file, name) for file in files],
            expires_in=form.cleaned_data["expires_in"],
            uploader_key=access.uploader_key(request, create=True),
        )
    except ImageError as error:  # the post as a whole: a wrong key, a bad expiry
        form.add_error(None, error.message)
        return render(request, "images/upload.html", {"form": form}, status=error.status)
    created = [outcome.created for outcome in outcomes if outcome.created]
    failed = [(outcome.incoming.file.name, outcome.error.message)
              for outcome in outcomes if outcome.error]
    unused_name = form.cleaned_data["name"] if len(files) > 1 else ""

    if not failed:
        messages.success(
            request,
            ngettext("Uploaded %(count)d image.", "Uploaded %(count)d images.", len(created))
            % {"count": len(created)},
        )
        if unused_name:
            messages.warning(request, unused_name_note(unused_name, len(files)))
        keepsakes.remember(request, created)
        return see_other("images:upload")
    context = {
        "form": UploadForm(),
        "kept": [keepsakes.keepsake_of(request, item) for item in created],
        "failed": failed,
        "unused_name_note": unused_name_note(unused_name, len(files)) if unused_name else "",
    }
    status, headers = pipeline.status_of(outcomes)
    response = render(request, "images/upload.html", context, status=status)
    for header, value in headers.items():
        response[header] = value
    return private(response)


def unused_name_note(name: str, count: int) -> str:
    return ngettext(
        "The display name “%(name)s” was not used: it applies to a single image, and "
        "%(count)d was chosen. Each image keeps its file name.",
        "The display name “%(name)s” was not used: it applies to a single image, and "
        "%(count)d were chosen. Each image keeps its file name.",
        count,
    ) % {"name": name, "count": count}


def private(response):
    """A page that may show delete links: no cache keeps it."""
    add_never_cache_headers(response)
    return response


def wants_json(request) -> bool:
    """The upload page's script asks for JSON; a plain form post gets pages."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _upload_one_as_json(request):
    """One file per request (static/js/upload.js), recorded as this browser's.

    Unlike the API's answer this one has no bare delete token: this browser's
    session may delete the image from the Delete page, and `delete_url` is
    the link to share with whoever else should be able to.
    """
    key = access.uploader_key(request, create=True)
    try:
        created = pipeline.receive_one(request, uploader_key=key)
    except ImageError as error:
        return respond(request, error)
    origin = origin_of(request)
    image = created.image
    body = image_data(image, origin=origin)
    body["delete_url"] = delete_link(image, created.delete_token, origin=origin)
    body["duplicates"] = created.duplicates
    body["share"] = sharing.share_of(body)
    response = JsonResponse({"image": body}, status=201)
    response["Location"] = request.build_absolute_uri(image.get_absolute_url())
    response["Cache-Control"] = "no-store"
    return response


def refusals_answered(view):
    """A page view's ImageError (an unknown id: ImageNotFound) becomes its page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImageError as error:
            return respond(request, error)

    return wrapper


@require_GET
@refusals_answered
def view_lookup(request):
    """The View page: an id form and a picker, each leading to the image's page."""
    if "id" not in request.GET:
        context = {"form": ImageIdForm(), "picker": picker(request, Image.objects.visible())}
        return render(request, "images/view.html", context, status=_picker_status(context))
    form = ImageIdForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "picker": picker(request, Image.objects.visible())}
        return render(request, "images/view.html", context, status=400)
    image = Image.objects.visible().found(form.cleaned_data["id"])
    return see_other(image.get_absolute_url())


@require_GET
@refusals_answered
@shared_page
def detail(request, pk: int):
    image = Image.objects.visible().found(pk)
    newer = Image.objects.visible().newest_first().filter(date__gt=image.date).last()
    older = Image.objects.visible().newest_first().filter(date__lt=image.date).first()
    context = {
        "image": image,
        "newer": newer,
        "older": older,
        "may_delete": access.page_may_delete(request, image),
    }
    return render(request, "images/detail.html", context)


def _picker_status(context) -> int:
    return 400 if context["picker"]["error"] else 200


@require_http_methods(["GET", "HEAD", "POST"])
@refusals_answered
def delete(request):
    """Choose (picker, several at once, or an id), confirm, delete; 303 back
    with a message counting what was deleted."""
    source = request.POST if request.method == "POST" else request.GET
    if "id" not in source:
        return _delete_page(request, ImageIdForm())
    ids, form = _chosen_ids(source.getlist("id"))
    if ids is None:
        return _delete_page(request, form, status=400)

    # An id past the database's integers is a 500 in a `pk IN (…)`: none has it.
    found = Image.objects.visible().in_bulk([pk for pk in ids if pk <= MAX_ID])
    chosen = [found[pk] for pk in ids if pk in found]
    allowed = [image for image in chosen if access.page_may_delete(request, image)]
    gone = len(ids) - len(chosen)
    refused = len(chosen) - len(allowed)
    if not allowed and (len(ids) == 1 or request.method != "POST"):
        if refused:
            return _not_yours(request)
        raise ImageNotFound()
    if request.method != "POST":
        context = {"images": allowed, "left_out": gone + refused}
        return render(request, "images/delete_confirm.html", context)

    actor = "staff" if access.is_staff(request) else "session"
    deleted = []
    for image in allowed:
        try:
            services.image_delete(image=image, actor=actor)
        except ImageNotFound:  # deleted by someone else since it was read
            gone += 1
        else:
            deleted.append(image)
    if len(ids) == 1:
        if not deleted:  # a racing request (a double-submitted form) deleted it first
            raise ImageNotFound()
        messages.success(request, _("Deleted “%(name)s”.") % {"name": deleted[0].name})
    else:
        messages.success(
            request,
            ngettext("Deleted %(count)d image.", "Deleted %(count)d images.", len(deleted))
            % {"count": len(deleted)},
        )
    if gone + refused:
        messages.error(
            request,
            ngettext(
                "%(count)d image was not deleted: it is gone already or not yours to delete.",
                "%(count)d images were not deleted: they are gone already or not yours to delete.",
                gone + refused,
            ) % {"count": gone + refused},
        )
    return see_other("images:delete")


def _delete_page(request, form, status=200):
    context = {"form": form, "picker": picker(request, access.deletable_on_page(request))}
    status = max(status, _picker_status(context))
    return render(request, "images/delete.html", context, status=status)


def _chosen_ids(values: list[str]) -> tuple[list[int] | None, ImageIdForm | None]:
    """The chosen ids, in order, once each; or None and the form that says why."""
    ids = []
    for value in values:
        form = ImageIdForm({"id": value})
        if not form.is_valid():
            return None, form
        if form.cleaned_data["id"] not in ids:
            ids.append(form.cleaned_data["id"])
    if len(ids) > MAX_CHOSEN:
        form.add_error("id", _("Choose at most %(count)d images at once.") % {"count": MAX_CHOSEN})
        return None, form
    return ids, None


def _not_yours(request):
    return error_page(
        request,
        403,
        _("Not yours to delete"),
        _("Only the browser that uploaded an image, or a staff user, may delete it here."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@refusals_answered
def delete_by_link(request, pk: int, token: str):
    """A delete link (`delete_url`): GET asks, only the form's POST deletes.

    Chat apps and mail scanners fetch links to preview them; a GET that
    deleted would let them delete the image. The page keeps its own address
    (which holds the token) out of caches and out of the Referer header of
    what it loads: `strict-origin` sends the origin only ("no-referrer"
    would make browsers send `Origin: null`, which fails the CSRF check).
    """
    image = Image.objects.visible().found(pk)
    if not image.has_delete_token(token):
        response = error_page(
            request,
            403,
            _("Not a delete link for this image"),
            _("The link is mistyped or belongs to another image; nothing was deleted."),
        )
    elif request.method == "POST":
        services.image_delete(image=image, actor="link")
        messages.success(request, _("Deleted “%(name)s”.") % {"name": image.name})
        return see_other("images:gallery")
    else:
        response = render(request, "images/delete_link.html", {"image": image})
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def see_other(to):
    """303: after a POST, the browser GETs the next page (no resubmission)."""
    response = redirect(to)
    response.status_code = 303
    return response


