"""Rendered pages and API lists, kept until the gallery changes.

Rendering the gallery (templates, URLs, two queries) was most of a request's
time (docs/performance.md, "Where a request's time goes"). What a page shows
depends on the images and on a few things about the visitor; this cache keeps
the first and takes care of the second:

- **The gallery changes → every copy is stale at once.** Each copy is filed
  under the *generation*, a number in the shared cache (Redis) that every
  commit of a new, changed or deleted image moves on (images.receivers). The
  next request in any process, after the change has committed, asks under the
  new number and renders afresh. A copy is also dropped after MAX_AGE, should
  a move have been lost (Redis unreachable at that moment), and the moment
  the next image expires: an expired image is hidden at once, before the
  sweeper's delete moves the generation on (images.expiry).
- **Per-visitor parts never leak.** Only visitors without a session are
  served copies: a session is what carries messages, the uploader's delete
  rights and a staff login, so a visitor with one gets a page rendered for
  them. The CSRF token is in every page (the language form): the copy keeps a
  placeholder where the first visitor's token was, and each visitor gets
  their own token put in. The language, the scheme and host the page was
  asked with, and the full path with its query are part of the key.
- **Only this process keeps copies** (an LRU of MAX_ENTRIES): the generation
  lives in Redis, the HTML does not cross the network. Off without a shared
  cache (PAGE_CACHE defaults to REDIS_URL being set): processes with caches
  of their own could not tell each other about a change.
"""

import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from functools import wraps

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from images.serializers import origin_of

logger = logging.getLogger("live_gallery.pagecache")

MAX_ENTRIES = 256
MAX_AGE = 60.0
# Where a page had its visitor's CSRF token; random per process, so no
# template could print it by accident.
PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Copies:
    """Rendered responses by key, newest last; thread-safe (WSGI threads)."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        # key → (served until, on time.monotonic(); content; content type)
        self._items: OrderedDict[tuple, tuple[float, bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            until, content, content_type = item
            if time.monotonic() >= until:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return content, content_type

    def put(self, key: tuple, content: bytes, content_type: str, fresh_for: float = MAX_AGE):
        with self._lock:
            self._items[key] = (time.monotonic() + fresh_for, content, content_type)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


copies = Copies()


class Generation:
    """The gallery's generation number, in Redis when there is one.

    Read once per cached request, so it talks to Redis directly with a client
    of its own: Django's cache API builds a new client per call, which cost
    more than the round trip. Without REDIS_URL (one process: tests, `make
    run` with PAGE_CACHE=true) Django's local cache holds it.
    """

    def __init__(self):
        self._client = None
        self._url = None

    def _redis(self):
        if self._url != settings.REDIS_URL:
            self._url = settings.REDIS_URL
            self._client = redis.Redis.from_url(
                self._url, socket_timeout=1, socket_connect_timeout=1
            )
        return self._client

    @staticmethod
    def _key() -> str:
        return f"{settings.REDIS_PREFIX}:pagecache:generation"

    def current(self) -> int | None:
        """None when it cannot be known: the page is then rendered."""
        try:
            if not settings.REDIS_URL:
                return cache.get_or_set(self._key(), _random_start)
            client = self._redis()
            value = client.get(self._key())
            if value is None:
                # A random start, not 0: a Redis that restarted empty must not
                # bring back a number that copies were filed under before.
                client.set(self._key(), _random_start(), nx=True)
                value = client.get(self._key())
            return int(value)
        except Exception as error:  # noqa: BLE001 - no shared cache: render every page
            logger.warning("page cache off for this request: %r", error)
            return None

    def move_on(self):
        """Every copy filed before now is stale (called after a commit)."""
        try:
            if not settings.REDIS_URL:
                cache.set(self._key(), _random_start())
            else:
                self._redis().incr(self._key())
        except Exception as error:  # noqa: BLE001 - copies expire after MAX_AGE anyway
            logger.error("page cache: could not mark the gallery as changed: %r", error)


def _random_start() -> int:
    return secrets.randbits(62)


generations = Generation()


def gallery_changed():
    if settings.PAGE_CACHE:
        generations.move_on()


def _fresh_for() -> float:
    """How long a copy rendered now may be served: MAX_AGE, or less if an image
    expires sooner (any expiry changes lists and counts). One indexed query,
    made only when a copy is stored."""
    from images.models import Image

    soonest = (
        Image.objects.visible().filter(expires_at__isnull=False)
        .order_by("expires_at").values_list("expires_at", flat=True).first()
    )
    if soonest is None:
        return MAX_AGE
    return min(MAX_AGE, (soonest - timezone.now()).total_seconds())


def _visitor_free(request) -> bool:
    """True when nothing on the page can depend on who asks."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
        and "X-Api-Key" not in request.headers
    )


def _key(request, generation: int, kind: str) -> tuple:
    return (kind, generation, request.get_full_path(), get_language(), origin_of(request))


def shared_page(view):
    """An HTML page (GET) served from a copy to visitors without a session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (settings.PAGE_CACHE and request.method == "GET" and _visitor_free(request)):
            return view(request, *args, **kwargs)
        current = generations.current()
        if current is None:
            return view(request, *args, **kwargs)
        key = _key(request, current, "page")
        if (copy := copies.get(key)) is not None:
            content, content_type = copy
            token = get_token(request).encode()
            return HttpResponse(content.replace(PLACEHOLDER.encode(), token), content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies.get(
            settings.SESSION_COOKIE_NAME
        ):
            copies.put(
                key, _without_tokens(response.content), response["Content-Type"], _fresh_for()
            )
        return response

    return wrapper


def shared_json(view):
    """A public JSON answer (GET), the same for every client of one origin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (settings.PAGE_CACHE and request.method == "GET"):
            return view(request, *args, **kwargs)
        current = generations.current()
        if current is None:
            return view(request, *args, **kwargs)
        key = _key(request, current, "json")
        if (copy := copies.get(key)) is not None:
            return HttpResponse(*copy)
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            copies.put(key, response.content, response["Content-Type"], _fresh_for())
        return response

    return wrapper


def _without_tokens(content: bytes) -> bytes:
    html = content.decode()
    for token in set(_CSRF_INPUT.findall(html)):
        html = html.replace(token, PLACEHOLDER)
    return html.encode()
