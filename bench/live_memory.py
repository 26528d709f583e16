"""Memory per subscriber: idle WebSockets held by one live-tier process.

One live process (uvicorn, core.asgi, the Redis layer) gets one socket and a
broadcast (so the hub, the layer's subscription and every import are in
place); its VmRSS is read, then SOCKETS more idle sockets are opened (two
client processes), and VmRSS is read again once they are all connected and a
second broadcast reached them. RSS per socket = the difference / SOCKETS.
What it is made of: VmRSS split into anonymous memory (Python objects, the
server's buffers) and the rest, before and after.
"""

import time

from fanout import Subscribers
from lib import upload
from media import tiny_png

SOCKETS = 5000
CLIENT_PROCESSES = 2


def status_kib(pid: int) -> dict:
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[name] = int(value.split()[0])
    return fields


def run(ctx) -> dict:
    redis = {"REDIS_URL": ctx.redis_url}
    live = ctx.tier("memory-live", "live", **redis)
    http = ctx.tier("memory-http", "http", **redis)
    first = Subscribers(ctx, "memory-warm", [(live.port, 1)])
    first.ready()
    image = upload(http.port, tiny_png(1), "memory-0.png", "image/png")[3]
    first.wait_heard(image["id"], 10)
    time.sleep(1)
    before = status_kib(live.pid)

    clients = [
        Subscribers(ctx, f"memory-{i}", [(live.port, SOCKETS // CLIENT_PROCESSES)])
        for i in range(CLIENT_PROCESSES)
    ]
    connected = sum(client.ready(timeout=300) for client in clients)
    image = upload(http.port, tiny_png(2), "memory-1.png", "image/png")[3]
    heard = all(client.wait_heard(image["id"], 30) for client in clients)
    time.sleep(1)
    after = status_kib(live.pid)
    for client in [first, *clients]:
        client.collect()

    per_socket = {k: round((after[k] - before[k]) / connected, 1) for k in before}
    return {
        "sockets": connected,
        "heard_broadcast": heard,
        "before_kib": before,
        "after_kib": after,
        "per_socket_kib": per_socket,
    }
