"""Send gallery events to every connected client, in every process.

Called only from `transaction.on_commit` callbacks (realtime.signals), so an
event always describes committed state. A channel layer that is down must not
fail the upload or delete that triggered the event: the failure is logged once
when it starts and once when it ends, never raised.
"""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

GROUP = "gallery"
# An upload waits at most this long for an unresponsive Redis before it
# answers anyway (a refused connection fails at once).
SEND_TIMEOUT = 2.0

logger = logging.getLogger("live_gallery.realtime")


class _Incident:
    """Remembers whether broadcasting is failing, to log transitions only.

    A Redis outage during a bulk delete would otherwise log one error per row.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.failing = False

    def failed(self, error: BaseException):
        with self._lock:
            first, self.failing = not self.failing, True
        if first:
            logger.error("live updates are failing (channel layer unreachable): %r", error)

    def succeeded(self):
        with self._lock:
            recovered, self.failing = self.failing, False
        if recovered:
            logger.warning("live updates work again")


incident = _Incident()


def broadcast(event: dict) -> bool:
    """group_send `event`; True if the channel layer took it."""
    try:
        async_to_sync(_send)(event)
    except Exception as error:  # noqa: BLE001 - whatever broke, the write has committed
        incident.failed(error)
        return False
    incident.succeeded()
    return True


async def _send(event: dict):
    async with asyncio.timeout(SEND_TIMEOUT):
        await get_channel_layer().group_send(GROUP, event)
