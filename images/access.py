"""Who may delete an image (the contract's "Access").

- the API: whoever holds the upload's delete token (`Authorization: Bearer`)
  or the API key it was uploaded with (`X-API-Key`),
- the Delete page: the browser session that uploaded it,
- both: a signed-in staff user,
- the brief's `/image/delete`: any of these.
Each right has a name, logged as the delete's actor. Reading is public, so
nothing here guards reads.
"""

import secrets

from images import keys
from images.models import Image

UPLOADER_SESSION_KEY = "live_gallery.uploader"


def uploader_key(request, *, create: bool = False) -> str | None:
    """This browser session's secret uploader key (made on its first upload).

    A key of its own rather than the session id: session ids rotate at login,
    and the key must keep naming the same uploader.
    """
    key = request.session.get(UPLOADER_SESSION_KEY)
    if key is None and create:
        key = request.session[UPLOADER_SESSION_KEY] = secrets.token_urlsafe(32)
    return key


def bearer_token(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_staff(request) -> bool:
    return request.user.is_authenticated and request.user.is_staff


# Rights a browser sends by itself, in cookies: a POST that relies on one
# must carry Django's CSRF token, or another site could send it for the user.
AMBIENT_RIGHTS = {"staff", "session"}


def api_delete_right(request, image: Image) -> str | None:
    """The right by which a script may delete `image`, or None: "token" (its
    delete token as a bearer token), "key" (the API key it was uploaded with,
    in X-API-Key; a wrong key is a 401) or "staff" (a staff user's session)."""
    token = bearer_token(request)
    if token is not None and image.has_delete_token(token):
        return "token"
    api_key = keys.api_key(request)
    if api_key is not None and image.api_key_id == api_key.pk:
        return "key"
    if is_staff(request):
        return "staff"
    return None


def delete_right(request, image: Image) -> str | None:
    """Any right to delete `image`: the API's, or being the browser session
    that uploaded it ("session"); None when there is none."""
    if right := api_delete_right(request, image):
        return right
    return "session" if image.was_uploaded_by(uploader_key(request)) else None


def page_may_delete(request, image: Image) -> bool:
    return is_staff(request) or image.was_uploaded_by(uploader_key(request))


def deletable_on_page(request):
    if is_staff(request):
        return Image.objects.visible()
    return Image.objects.visible().uploaded_by(uploader_key(request))
