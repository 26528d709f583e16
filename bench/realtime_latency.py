"""Upload-to-event latency, same process and across processes.

Starts two daphne processes (A and B) that share one PostgreSQL database and
one Redis, connects one WebSocket subscriber to each, uploads images to A
through the JSON API and times each upload's start to each subscriber's
`image.created`. B's subscriber only hears it through Redis pub/sub.

    .venv/bin/python bench/realtime_latency.py [--uploads 20]

By default it starts a throwaway redis-server of its own, so that its events
do not reach other programs subscribed on a shared Redis (pub/sub channels
ignore the database number); `--redis-url` uses an existing one instead.
The database (default `lg_rt`) is created if missing and migrated.
"""

import argparse
import asyncio
import base64
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import psycopg
from lib import BIN, ROOT, free_port, wait_until
from PIL import Image


def create_database(url: str):
    admin_url, _, name = url.rpartition("/")
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def start(stack: ExitStack, command: list[str], env: dict, log: Path):
    """Run `command` until the bench ends, its output in `log`."""
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    stack.callback(process.wait)
    stack.callback(process.terminate)


def healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
        return response.status == 200


def png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (n * 37 % 256, n * 91 % 256, 128)).save(out, "PNG")
    return out.getvalue()


def upload(port: int, n: int) -> tuple[float, float, dict]:
    """POST one image; (start, response time, body). Runs in a thread."""
    boundary = "bench" + os.urandom(8).hex()
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="bench-{n}.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + png(n)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/images/",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        answered = time.perf_counter()
        return started, answered - started, json.load(response)


def delete(port: int, image: dict):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/images/{image['id']}/",
        method="DELETE",
        headers={"Authorization": f"Bearer {image['delete_token']}"},
    )
    urllib.request.urlopen(request, timeout=10).close()


async def subscribe(port: int, heard: dict[int, float]):
    """A minimal WebSocket client (stdlib only): records when each image.created arrives."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws/gallery/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in answer.split(b"\r\n")[0]:
        raise SystemExit(f"WebSocket refused on port {port}: {answer[:80]!r}")

    async def listen():
        while True:
            head = await reader.readexactly(2)
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length >= 126:
                length = int.from_bytes(await reader.readexactly(2 if length == 126 else 8))
            payload = await reader.readexactly(length)
            arrived = time.perf_counter()
            if opcode == 0x9:  # ping: a client's pong is masked
                mask = os.urandom(4)
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)
            elif opcode == 0x1:
                event = json.loads(payload)
                if event["type"] == "image.created":
                    heard[event["image"]["id"]] = arrived

    return asyncio.create_task(listen()), writer


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[max(0, round(0.9 * len(ms)) - 1)]
    return (
        f"{label:<36} median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f}   "
        f"min {ms[0]:6.1f}   max {ms[-1]:6.1f}   (n={len(ms)})"
    )


async def measure(port_a: int, port_b: int, uploads: int, pause: float):
    heard_a, heard_b = {}, {}
    listener_a, writer_a = await subscribe(port_a, heard_a)
    listener_b, writer_b = await subscribe(port_b, heard_b)
    await asyncio.sleep(0.5)  # both subscriptions in place
    results = []
    for n in range(uploads + 2):
        results.append(await asyncio.to_thread(upload, port_a, n))
        await asyncio.sleep(pause)
    await asyncio.sleep(1)
    for task, writer in ((listener_a, writer_a), (listener_b, writer_b)):
        task.cancel()
        writer.close()
    for _, _, image in results:
        await asyncio.to_thread(delete, port_a, image)

    measured = results[2:]  # the first two warm up both processes
    missing = [image["id"] for _, _, image in measured if image["id"] not in heard_b]
    if missing or any(image["id"] not in heard_a for _, _, image in measured):
        raise SystemExit(f"events missing (B did not hear {missing})")
    print(summary("upload response (A)", [took for _, took, _ in measured]))
    print(
        summary("upload → event, same process (A)", [heard_a[i["id"]] - s for s, _, i in measured])
    )
    print(
        summary("upload → event, other process (B)", [heard_b[i["id"]] - s for s, _, i in measured])
    )
    # Negative: the event was heard before the uploader had its answer.
    print(
        summary(
            "response → event, other process (B)",
            [heard_b[i["id"]] - s - took for s, took, i in measured],
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between uploads")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lg_rt")
    parser.add_argument("--redis-url", help="an existing Redis (default: start a private one)")
    args = parser.parse_args()

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lg-bench-")))
        redis_url = args.redis_url
        if redis_url is None:
            redis_port = free_port()
            start(
                stack,
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--bind",
                    "127.0.0.1",
                ],
                os.environ,
                work / "redis.log",
            )
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
            wait_until(
                lambda: socket.create_connection(("127.0.0.1", redis_port)).close() or True,
                "redis-server",
            )
        create_database(args.database_url)
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 50,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(work / "media"),
            "LOG_LEVEL": "WARNING",
            "UPLOAD_RATE_LIMIT": "",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port_a, port_b = free_port(), free_port()
        for name, port in (("a", port_a), ("b", port_b)):
            start(
                stack,
                [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
                env,
                work / f"daphne-{name}.log",
            )
        for port in (port_a, port_b):
            wait_until(lambda port=port: healthy(port), f"daphne on port {port}")
        print(f"daphne A :{port_a} and B :{port_b}, {args.database_url}, {redis_url}")
        asyncio.run(measure(port_a, port_b, args.uploads, args.pause))


if __name__ == "__main__":
    main()
