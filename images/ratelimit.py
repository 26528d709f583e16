"""UPLOAD_RATE_LIMIT: at most N uploads per client per period (429 beyond).

A fixed window in Django's cache: one counter per client and window, made
with `add` and bumped with `incr`, both atomic in Redis, so replicas share the
count. Fixed windows allow a burst of 2N across a boundary; for keeping one
client from flooding the disk that is close enough, and it costs one round
trip per upload.
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from images.errors import RateLimited

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SPEC = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<period>[smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(spec: str) -> Rate | None:
    """'60/m' → Rate(60, 60); '' → None (no limit)."""
    if not spec.strip():
        return None
    match = SPEC.match(spec)
    if not match or int(match["count"]) < 1:
        raise ImproperlyConfigured(
            f"UPLOAD_RATE_LIMIT must look like 60/m (per s, m, h or d), not {spec!r}."
        )
    return Rate(int(match["count"]), PERIODS[match["period"]])


def client_address(request) -> str:
    """The client's IP: the one nginx saw when behind the trusted proxy."""
    if settings.TRUST_PROXY_HEADERS and (forwarded := request.headers.get("X-Forwarded-For")):
        # nginx appends the address it saw; anything before it is the client's say-so.
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def check_upload_rate(request, *, api_key=None) -> None:
    """Count one upload for this client, and for its API key if it sent one;
    raise RateLimited if either is over the limit.

    Per key as well as per client: a key leaked to many machines is still held
    to the rate, and a key shared by one machine's tools still is per address.
    """
    rate = parse_rate(settings.UPLOAD_RATE_LIMIT)
    if rate is None:
        return
    now = time.time()
    window = int(now // rate.seconds)
    counters = [f"upload-rate:{client_address(request)}:{rate.seconds}:{window}"]
    if api_key is not None:
        counters.append(f"upload-rate:key-{api_key.pk}:{rate.seconds}:{window}")
    if max(_bump(counter, rate.seconds) for counter in counters) > rate.count:
        retry_after = max(1, int((window + 1) * rate.seconds - now) + 1)
        raise RateLimited(retry_after)


def _bump(counter: str, seconds: int) -> int:
    cache.add(counter, 0, timeout=seconds + 1)
    try:
        return cache.incr(counter)
    except ValueError:  # expired between add and incr: a new window began
        cache.add(counter, 1, timeout=seconds + 1)
        return 1
