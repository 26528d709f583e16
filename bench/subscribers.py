"""Gallery WebSocket subscribers for the fan-out benchmark, in their own process.

    python bench/subscribers.py --out FILE [--stalled S] ws://127.0.0.1:PORT/ws/gallery/=COUNT ...

Opens COUNT sockets to each URL (Origin set to the server's own host so
AllowedHostsOriginValidator lets them in), prints `ready N`, then stamps every
`image.created` on every socket with CLOCK_MONOTONIC — the clock the uploader
in another process reads too — and prints `heard ID` once every socket of this
process has that event. On `stop` (or end of input) it closes its sockets and
writes to FILE:

    {"sockets": N, "failed": F, "arrivals": {"ID": [ns, ...]}, "per_socket": [[ID, ...], ...],
     "stalled": S, "stalled_dropped": D}

The clients share the servers' two cores, so they are kept light: a plain
asyncio protocol (uvloop when installed) that reads the server's unmasked
frames, answers pings and takes the image id from the frame's text, rather
than the `websockets` library and a JSON parse per frame (which cost about
twice the live server's own CPU per event). `--stalled S` also opens S raw
connections to the first URL that complete the handshake and then never read
(a small receive buffer): what a stuck client does. D is how many of them the
server had closed by the end.
"""

import argparse
import asyncio
import base64
import json
import os
import re
import socket as sockets_
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

CONNECTS_AT_ONCE = 32
CONNECT_ATTEMPTS = 5
CREATED = b'{"type": "image.created"'
IMAGE_ID = re.compile(rb'"id": (\d+)')


def handshake(parts) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Origin: http://{parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


class Subscriber(asyncio.Protocol):
    """One socket: the handshake, then the server's frames as they come."""

    def __init__(self, request: bytes, heard):
        self.request, self.heard = request, heard
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.transport = None
        self.ids: list[int] = []

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.upgraded.done():
            self.upgraded.set_result(False)

    def data_received(self, data):
        arrived = time.monotonic_ns()
        buffer = self.buffer
        buffer += data
        if not self.upgraded.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.upgraded.set_result(buffer.startswith(b"HTTP/1.1 101"))
            del buffer[: end + 4]
        while len(buffer) >= 2:
            length, start = buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4]), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10]), 10
            if len(buffer) < start + length:
                return
            opcode, payload = buffer[0] & 0x0F, bytes(buffer[start : start + length])
            del buffer[: start + length]
            if opcode == 1 and payload.startswith(CREATED):
                image_id = int(IMAGE_ID.search(payload)[1])
                self.ids.append(image_id)
                self.heard(image_id, arrived)
            elif opcode == 9:  # ping: a masked pong with the same payload
                mask = os.urandom(4)
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)


async def open_socket(url: str, gate: asyncio.Semaphore, heard) -> Subscriber | None:
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    async with gate:
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                _, subscriber = await loop.create_connection(
                    lambda: Subscriber(handshake(parts), heard), parts.hostname, parts.port
                )
                if await asyncio.wait_for(subscriber.upgraded, 30):
                    return subscriber
                subscriber.transport.close()
            except (OSError, TimeoutError):
                pass
            if attempt == CONNECT_ATTEMPTS - 1:
                return None
            await asyncio.sleep(0.2 * (attempt + 1))


async def stalled_socket(url: str) -> sockets_.socket | None:
    parts = urlsplit(url)
    raw = sockets_.socket()
    raw.setsockopt(sockets_.SOL_SOCKET, sockets_.SO_RCVBUF, 4096)
    raw.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_connect(raw, (parts.hostname, parts.port))
        await loop.sock_sendall(raw, handshake(parts))
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += await loop.sock_recv(raw, 1)  # the headers only, not one frame
        return raw if answer.startswith(b"HTTP/1.1 101") else None
    except OSError:
        raw.close()
        return None


def closed_by_server(raw: sockets_.socket) -> bool:
    try:
        while chunk := raw.recv(1 << 20):
            del chunk
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


async def main(targets: list[tuple[str, int]], out: str, stalled: int = 0):
    stuck = [s for s in [await stalled_socket(targets[0][0]) for _ in range(stalled)] if s]
    arrivals: dict[int, list[int]] = defaultdict(list)
    expected = sum(count for _, count in targets)
    wanted = {"sockets": expected}

    def heard(image_id: int, arrived: int):
        times = arrivals[image_id]
        times.append(arrived)
        if len(times) == wanted["sockets"]:
            print(f"heard {image_id}", flush=True)

    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    opened = await asyncio.gather(
        *(open_socket(url, gate, heard) for url, count in targets for _ in range(count))
    )
    sockets = [s for s in opened if s is not None]
    wanted["sockets"] = len(sockets)
    print(f"ready {len(sockets)}", flush=True)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline) not in ("", "stop\n"):
        pass
    for subscriber in sockets:
        subscriber.transport.close()
    with open(out, "w") as output:
        json.dump(
            {
                "sockets": len(sockets),
                "failed": len(opened) - len(sockets),
                "arrivals": {str(k): v for k, v in arrivals.items()},
                "per_socket": [s.ids for s in sockets],
                "stalled": len(stuck),
                "stalled_dropped": sum(closed_by_server(raw) for raw in stuck),
            },
            output,
        )


def target(text: str) -> tuple[str, int]:
    url, _, count = text.rpartition("=")
    return url, int(count)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--stalled", type=int, default=0)
    parser.add_argument("targets", nargs="+", type=target, metavar="URL=COUNT")
    arguments = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        run = asyncio.run
    else:
        run = uvloop.run
    run(main(arguments.targets, arguments.out, arguments.stalled))
