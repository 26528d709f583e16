"""Gallery WebSocket subscribers for the fan-out benchmark, in their own process.

    python bench/subscribers.py --out FILE ws://127.0.0.1:PORT/ws/gallery/=COUNT ...

Opens COUNT sockets to each URL (`websockets`, no compression, Origin set to
the server's own host so AllowedHostsOriginValidator lets them in), prints
`ready N`, then stamps every `image.created` on every socket with
CLOCK_MONOTONIC — the clock the uploader in another process reads too — and
prints `heard ID` once every socket of this process has that event. On `stop`
(or end of input) it closes its sockets and writes to FILE:

    {"sockets": N, "failed": F, "arrivals": {"ID": [ns, ...]}, "per_socket": [[ID, ...], ...]}
"""

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

CONNECTS_AT_ONCE = 32
CONNECT_ATTEMPTS = 5


async def open_socket(url: str, gate: asyncio.Semaphore):
    parts = urlsplit(url)
    origin = f"http://{parts.netloc}"
    async with gate:
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                return await connect(
                    url,
                    origin=origin,
                    compression=None,
                    ping_interval=None,
                    max_queue=None,
                    open_timeout=30,
                    close_timeout=2,
                )
            except Exception:  # refused, reset, timed out, 5xx: try again, then give up
                if attempt == CONNECT_ATTEMPTS - 1:
                    return None
                await asyncio.sleep(0.2 * (attempt + 1))


async def main(targets: list[tuple[str, int]], out: str):
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    opened = await asyncio.gather(
        *(open_socket(url, gate) for url, count in targets for _ in range(count))
    )
    sockets = [s for s in opened if s is not None]
    arrivals: dict[int, list[int]] = defaultdict(list)
    per_socket: list[list[int]] = [[] for _ in sockets]

    async def listen(index: int, socket):
        try:
            async for message in socket:
                arrived = time.monotonic_ns()
                event = json.loads(message)
                if event.get("type") != "image.created":
                    continue
                image_id = event["image"]["id"]
                arrivals[image_id].append(arrived)
                per_socket[index].append(image_id)
                if len(arrivals[image_id]) == len(sockets):
                    print(f"heard {image_id}", flush=True)
        except Exception:  # a closed socket ends its listener; `per_socket` shows what it missed
            pass

    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    print(f"ready {len(sockets)}", flush=True)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline) not in ("", "stop\n"):
        pass
    for listener in listeners:
        listener.cancel()
    await asyncio.wait(
        [asyncio.create_task(s.close()) for s in sockets]
        or [asyncio.create_task(asyncio.sleep(0))],
        timeout=10,
    )
    with open(out, "w") as output:
        json.dump(
            {
                "sockets": len(sockets),
                "failed": len(opened) - len(sockets),
                "arrivals": {str(k): v for k, v in arrivals.items()},
                "per_socket": per_socket,
            },
            output,
        )


def target(text: str) -> tuple[str, int]:
    url, _, count = text.rpartition("=")
    return url, int(count)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("targets", nargs="+", type=target, metavar="URL=COUNT")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.targets, arguments.out))
