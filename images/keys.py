"""Who may upload: on a private instance (UPLOADS_REQUIRE_KEY), key holders and
signed-in users only.

A key travels in the `X-API-Key` header. A key that is sent must be right,
wherever it is sent: an unknown, malformed or revoked key is a 401, never
silently ignored, so a script with a revoked key learns it at once.
"""

from django.conf import settings
from django.utils import timezone

from images.errors import Unauthorized, UnknownApiKey
from images.models import ApiKey

HEADER = "X-API-Key"


def api_key(request) -> ApiKey | None:
    """The request's key, None without one; Unauthorized for a wrong one."""
    sent = request.headers.get(HEADER)
    if sent is None:
        return None
    key = ApiKey.find(sent.strip())
    if key is None:
        raise UnknownApiKey()
    return key


def upload_key(request) -> ApiKey | None:
    """The key an upload is made with (recorded on the image), after checking
    that this request may upload at all."""
    key = api_key(request)
    if key is None and settings.UPLOADS_REQUIRE_KEY and not request.user.is_authenticated:
        raise Unauthorized()
    if key is not None:
        # One UPDATE, no read-modify-write: racing uploads with one key agree.
        ApiKey.objects.filter(pk=key.pk).update(last_used=timezone.now())
    return key
