"""Liveness and readiness probes for load balancers and container health."""

import asyncio
import logging

import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("live_gallery.health")


@never_cache
def healthz(request):
    """The process is up and answering; says nothing about dependencies."""
    return JsonResponse({"status": "ok"})


@never_cache
async def readyz(request):
    """Ready when the database answers a query and the channel layer a round trip."""
    checks = {"database": await _database_ok(), "channel_layer": await _channel_layer_ok()}
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


async def _database_ok() -> bool:
    def query():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        finally:
            # A worker thread of the default executor keeps no request's
            # bookkeeping: give the (pooled) connection back here, also when
            # the query failed half-way.
            connection.close()

    try:
        await sync_to_async(query, thread_sensitive=False)()
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("readiness: database unreachable: %s", exc)
        return False
    return True


async def _channel_layer_ok() -> bool:
    """The in-memory layer lives in this process; the Redis one must answer PING."""
    if not settings.REDIS_URL:
        return True
    client = redis.asyncio.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    try:
        async with asyncio.timeout(3):
            await client.ping()
    except Exception as exc:
        logger.warning("readiness: channel layer (Redis) unreachable: %s", exc)
        return False
    finally:
        await client.aclose()
    return True
