"""4. Live fan-out: from the start of an upload POST to the last subscriber's event.

The compose stack's topology: two live-tier processes (A, B: uvicorn,
core.asgi) hold the sockets; uploads go to the HTTP tier (H: granian,
core.wsgi); all share PostgreSQL and a Redis of their own (channels-redis
pub/sub layer). Subscribers run in two client processes
(bench/subscribers.py), each holding half the sockets. Small PNGs are
uploaded to H one at a time; after each, the bench waits until every
subscriber process reports that all its sockets heard the event (bounded),
then pauses briefly. The first uploads of each scenario warm up and are not
counted. Times use CLOCK_MONOTONIC in both the uploader and the subscribers.

Scenarios: no subscribers (the upload's own response time), 1,000 sockets
split evenly over A and B with STALLED more that never read (they must slow
no one and be dropped), and 2,000 sockets over A and B.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time

from lib import ROOT, summary_ms, upload
from media import tiny_png

CLIENT_PROCESSES = 2
WARM_UP = 3
HEARD_TIMEOUT = 5.0
PAUSE = 0.15


class Subscribers:
    """One bench/subscribers.py process."""

    def __init__(self, ctx, name: str, targets: list[tuple[int, int]], stalled: int = 0):
        self.out = ctx.work / f"{name}.json"
        self.lines: queue.Queue[str] = queue.Queue()
        command = [sys.executable, ROOT / "bench" / "subscribers.py", "--out", self.out]
        command += ["--stalled", str(stalled)]
        command += [f"ws://127.0.0.1:{port}/ws/gallery/={count}" for port, count in targets]
        self.process = ctx.procs.start(
            name,
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(ctx.procs.logs / f"{name}.log", "ab"),
            text=True,
        )
        self.procs = ctx.procs
        self.heard: set[int] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("")

    def _next(self, deadline: float) -> str | None:
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def ready(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while (line := self._next(deadline)) is not None:
            if line.startswith("ready "):
                return int(line.split()[1])
            if line == "":
                break
        raise RuntimeError(f"subscribers did not connect (see {self.process.bench_name}.log)")

    def wait_heard(self, image_id: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while image_id not in self.heard:
            line = self._next(deadline)
            if not line:
                return False
            self.heard.add(int(line.split()[1]))
        return True

    def collect(self) -> dict:
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        self.process.wait(30)
        self.procs.stop(self.process)
        return json.loads(self.out.read_text())


def uploads_to(port: int, count: int, tag: str, subscribers=()) -> list[dict]:
    events = []
    timeout = HEARD_TIMEOUT
    for n in range(WARM_UP + count):
        seconds, started, _, image = upload(port, tiny_png(n), f"fanout-{tag}-{n}.png", "image/png")
        heard = all(s.wait_heard(image["id"], timeout) for s in subscribers)
        if not heard:
            timeout = 0.5  # something is lost: report it, without waiting out every event
        if n >= WARM_UP:
            events.append(
                {"id": image["id"], "started": started, "response_s": seconds, "heard": heard}
            )
        time.sleep(PAUSE)
    return events


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def scenario(
    ctx, name: str, upload_port: int, ports: list[int], sockets: int, servers: dict,
    stalled: int = 0,
) -> dict:
    """`servers`: name -> server, whose CPU time per event is reported."""
    per_process = sockets // CLIENT_PROCESSES
    clients = [
        Subscribers(
            ctx, f"subscribers-{name}-{i}", [(port, per_process // len(ports)) for port in ports],
            stalled=stalled // CLIENT_PROCESSES,
        )
        for i in range(CLIENT_PROCESSES)
    ]
    connected = sum(client.ready() for client in clients)
    time.sleep(1)  # every consumer has joined its group
    processes = {
        **{n: d.pid for n, d in servers.items()},
        **{f"subscribers {i}": c.process.pid for i, c in enumerate(clients)},
    }
    cpu_before = {n: cpu_seconds(pid) for n, pid in processes.items()}
    events = uploads_to(upload_port, ctx.events, name, clients)
    uploaded = WARM_UP + len(events)
    cpu_ms_per_event = {
        n: round((cpu_seconds(pid) - cpu_before[n]) * 1000 / uploaded, 1)
        for n, pid in processes.items()
    }
    rss_after = {n: rss_kib(d.pid) for n, d in servers.items()}
    collected = [client.collect() for client in clients]

    last, every, missed = [], [], 0
    for event in events:
        arrivals = [t for c in collected for t in c["arrivals"].get(str(event["id"]), [])]
        missed += connected - len(arrivals)
        if arrivals:
            last.append((max(arrivals) - event["started"]) / 1e9)
            every += [(t - event["started"]) / 1e9 for t in arrivals]
    measured = {event["id"] for event in events}
    duplicates = sum(len(ids) - len(set(ids)) for c in collected for ids in c["per_socket"])
    sockets_missing_some = sum(
        1 for c in collected for ids in c["per_socket"] if not measured <= set(ids)
    )
    return {
        "sockets": connected,
        "failed_to_connect": sum(c["failed"] for c in collected),
        "events": len(events),
        "to_last_subscriber_ms": summary_ms(last),
        "to_every_subscriber_ms": summary_ms(every),
        "upload_response_ms": summary_ms([e["response_s"] for e in events]),
        "missed_deliveries": missed,
        "sockets_missing_an_event": sockets_missing_some,
        "duplicate_deliveries": duplicates,
        # CPU each process spent per uploaded event (including the upload's own
        # work in the process that took it): contention-independent.
        "cpu_ms_per_event": cpu_ms_per_event,
        "stalled": stalled,
        "stalled_dropped": sum(c.get("stalled_dropped", 0) for c in collected),
        "rss_after_mib": {n: round(k / 1024, 1) for n, k in rss_after.items()},
        # Every delivery's latency, for the distribution drawn in docs/performance/.
        "every_ms": sorted(round(t * 1000, 2) for t in every),
    }


STALLED = 20


def run(ctx) -> dict:
    redis = {"REDIS_URL": ctx.redis_url}
    a = ctx.tier("fanout-a", "live", **redis)
    b = ctx.tier("fanout-b", "live", **redis)
    h = ctx.tier("fanout-http", "http", **redis)
    alone = uploads_to(h.port, ctx.events, "none")
    none_ms = summary_ms([e["response_s"] for e in alone])
    live = {"A": a, "B": b, "H (uploads)": h}
    split = scenario(
        ctx, "1000", h.port, [a.port, b.port], ctx.subscribers, live, stalled=STALLED
    )
    double = scenario(ctx, "2000", h.port, [a.port, b.port], 2 * ctx.subscribers, live)
    return {
        "layer": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "servers": "live tier: 2 × uvicorn core.asgi; uploads: granian core.wsgi",
        "client_processes": CLIENT_PROCESSES,
        "upload": "64×64 PNG, POST /api/images/ to the HTTP tier",
        "no_subscribers": {"upload_response_ms": none_ms, "events": len(alone)},
        "split": split,
        "double": double,
        "upload_ratio_split_vs_none": round(split["upload_response_ms"]["p50"] / none_ms["p50"], 2),
    }
