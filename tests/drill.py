"""Fault drill: dependencies cut and restored, the server killed mid-upload, a full disk.

Each scenario runs against a real server (tests/live_server.LiveServer in the
production shape) with a crowd of tests/traffic.py visitors, and returns what
clients saw and what was left afterwards, as plain data: tests/test_drill.py
asserts on it, `make drill` (scripts/drill.py) writes it into
docs/reliability.md. The shared PostgreSQL and Redis are never touched: the
server reaches them through a `Proxy` of ours, and an outage is the proxy
refusing connections and resetting the open ones.
"""

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

from tests import traffic
from tests.live_server import LiveServer, free_port

PHASES = ("before", "during", "after")
# The Redis layer's receiver retries once a second: events published in the
# first moments after Redis returns may find no subscription yet.
RESUBSCRIBE_SECONDS = 2.0


class Proxy:
    """TCP from a local port to `target`, cut and restored at will.

    Cut: the port refuses connections and every open one is reset, as when the
    dependency's host goes away. Restored: it accepts and forwards again.
    """

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.listener: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()

    def __enter__(self):
        self.thread.start()
        self.restore()
        return self

    def __exit__(self, *exc_info):
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def url(self, url: str) -> str:
        """`url` with its host and port replaced by this proxy's."""
        parts = urllib.parse.urlsplit(url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))

    def cut(self):
        asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result(10)

    def restore(self):
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    async def _listen(self):
        self.listener = await asyncio.start_server(
            self._forward, "127.0.0.1", self.port, reuse_address=True
        )

    async def _cut(self):
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for writer in list(self.open):
            writer.transport.abort()
        self.open.clear()

    async def _forward(self, reader, writer):
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer, upstream}
        self.open |= pair
        await asyncio.gather(_pump(reader, upstream), _pump(upstream_reader, writer))
        self.open -= pair


async def _pump(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.transport.abort()


@contextlib.contextmanager
def server_behind_proxies(root: Path, **settings):
    """A production-shaped server whose PostgreSQL and Redis are behind proxies
    (None where the run has no such service): yields (server, postgres, redis)."""
    # Sweep every second: uploads whose commit was lost in doubt are settled
    # (images.in_doubt) soon after the database is back.
    settings.setdefault("EXPIRY_SWEEP_SECONDS", "1")
    temporary = Path(settings.pop("TMPDIR", root / "tmp"))
    temporary.mkdir(parents=True, exist_ok=True)
    server = LiveServer.production(root, TMPDIR=str(temporary), **settings)
    server.temporary = temporary
    server.media = Path(server.env["MEDIA_ROOT"])
    with contextlib.ExitStack() as stack:
        proxies = {}
        for name, variable, default_port in (("postgres", "DATABASE_URL", 5432),
                                             ("redis", "REDIS_URL", 6379)):
            url = server.env.get(variable, "")
            if not url.startswith(("postgres", "redis")):
                proxies[name] = None
                continue
            parts = urllib.parse.urlsplit(url)
            proxy = stack.enter_context(Proxy(parts.hostname, parts.port or default_port))
            server.env[variable] = proxy.url(url)
            proxies[name] = proxy
        stack.enter_context(server)
        yield server, proxies["postgres"], proxies["redis"]


def upload_temp_dir(server) -> Path:
    """Where the server spools large uploads (FILE_UPLOAD_TEMP_DIR, else its TMPDIR)."""
    script = ("import tempfile; from django.conf import settings; "
              "print(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())")
    return Path(server.manage("shell", "--no-imports", "-c", script).strip())


def leftovers(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- a crowd through an outage ---------------------------------------------------------


class Probe:
    """/readyz and /healthz every 100 ms: what an orchestrator's checks see."""

    def __init__(self, port: int, ledger: traffic.Ledger):
        self.client = traffic.Client(port, ledger, timeout=30)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        while not self.stop.is_set():
            self.client.request("readyz", "GET", "/readyz", expect=(200,))
            self.client.request("healthz", "GET", "/healthz", expect=(200,))
            self.stop.wait(0.1)
        self.client.close()


def outage(server, proxy: Proxy, *, before=3.0, during=6.0, after=6.0, clients=4,
           listeners=10) -> dict:
    """A crowd (and live listeners) keeps going while `proxy` is cut for `during` s.

    Returns answers by phase and route kind, how long after the restore the
    first readiness 200 came, and the findings of tests/traffic.py's checks
    on what committed (events, storage), for the caller to judge.
    """
    ledger = traffic.Ledger()
    files = traffic.sample_files()[:4]  # the small ones: the crowd should be quick
    with traffic.Listeners(server.port, listeners) as heard:
        setup = traffic.Client(server.port, ledger)
        keepers = [setup.upload("upload", traffic.tiny_png(n), f"keeper-{n}.png").json()
                   for n in range(traffic.KEEPERS)]
        setup.close()
        gallery = traffic.Gallery([{"id": k["id"]} for k in keepers])
        visitors = [traffic.Visitor(n, server.port, ledger, gallery, files,
                                    random.Random(n)) for n in range(clients)]
        deadline = time.monotonic() + before + during + after
        threads = [threading.Thread(target=v.run, args=(deadline,)) for v in visitors]
        probe = Probe(server.port, ledger)
        for thread in (*threads, probe.thread):
            thread.start()
        time.sleep(before)
        cut_at = time.monotonic()
        proxy.cut()
        time.sleep(during / 2)
        ws_during = websocket_connect(server.port)
        time.sleep(during / 2)
        restored_at = time.monotonic()
        proxy.restore()
        for thread in threads:
            thread.join()
        probe.stop.set()
        probe.thread.join()
        # Events of changes committed while the dependency was away may be
        # lost (Redis) and are not waited for; all others must arrive.
        expected = [event for event, at in ledger.committed_at.items()
                    if at < cut_at or at >= restored_at + RESUBSCRIBE_SECONDS]
        heard.wait_for({i for kind, i in expected if kind == "image.created"},
                       {i for kind, i in expected if kind == "image.deleted"},
                       traffic.SETTLE_SECONDS)
    answers = {phase: defaultdict(Counter) for phase in PHASES}
    for started, kind, status in ledger.timeline:
        phase = "before" if started < cut_at else "during" if started < restored_at else "after"
        answers[phase][kind][status] += 1
    ready_again = min((started for started, kind, status in ledger.timeline
                       if kind == "readyz" and status == 200 and started >= restored_at),
                      default=None)
    report = traffic.Report(plan=traffic.Plan(seconds=before + during + after, clients=clients,
                                              listeners=listeners),
                            seconds=before + during + after, ledger=ledger, listeners=heard,
                            peak_rss_kib=0, uploads=sum(v.uploads for v in visitors))
    return {
        "answers": {phase: {kind: dict(c) for kind, c in kinds.items()}
                    for phase, kinds in answers.items()},
        "ready_again_s": None if ready_again is None else round(ready_again - restored_at, 2),
        "seconds": {"before": before, "during": during, "after": after},
        "created": len(ledger.created),
        "deleted": len(ledger.deleted),
        "dropped": heard.dropped,
        "events": traffic._event_findings(report),
        "events_after_restore": _events_after(ledger, heard, restored_at + RESUBSCRIBE_SECONDS),
        "websocket_connect_during": ws_during,
        "in_doubt": dict(ledger.in_doubt),
        "storage": settled(lambda: traffic.storage_findings(
            server, ledger.alive(), server.temporary, ledger.in_doubt)),
        "committed_in": _committed_by_phase(ledger, cut_at, restored_at),
    }


def settled(findings, seconds: float = 5.0) -> list[str]:
    """`findings()` once it finds nothing, or its last answer after `seconds`:
    files of uploads in doubt stay until a sweep (every second here) settles them."""
    deadline = time.monotonic() + seconds
    while (found := findings()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def _events_after(ledger: traffic.Ledger, heard: traffic.Listeners, since: float) -> dict:
    """What listeners heard of the changes committed from `since` on (all of
    them, once), and of those before (lost or not, never twice)."""
    later = {event for event, at in ledger.committed_at.items() if at >= since}
    earlier = set(ledger.committed_at) - later
    findings, lost = [], Counter()
    for index, events in enumerate(heard.heard):
        got = Counter(events)
        if twice := sorted(e for e, n in got.items() if n > 1):
            findings.append(f"listener {index} heard {len(twice)} events twice: {twice[:5]}")
        if strangers := sorted(set(got) - set(ledger.committed_at)):
            findings.append(f"listener {index} heard uncommitted events: {strangers[:5]}")
        if missing := sorted(later - set(got)):
            findings.append(f"listener {index} missed {len(missing)} events after the restore: "
                            f"{missing[:5]}")
        lost[len(earlier - set(got))] += 1
    return {"findings": findings, "later": len(later),
            "lost_before_per_listener": dict(lost)}


def websocket_connect(port: int) -> str:
    """What a browser opening the gallery's WebSocket now gets."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def attempt():
        try:
            async with connect(f"ws://127.0.0.1:{port}/ws/gallery/",
                               origin=f"http://127.0.0.1:{port}", open_timeout=10):
                return "open"
        except InvalidStatus as refused:
            return f"HTTP {refused.response.status_code}"
        except Exception as error:  # noqa: BLE001 - the outcome is the finding
            return repr(error)[:200]

    return asyncio.run(attempt())


def quiet_outage(server, proxy: Proxy, *, during=2.0, clients=10) -> dict:
    """The dependency goes away while nobody asks, and comes back: the very
    first requests after it returns must not fail on connections that died
    meanwhile (pooled database connections, say)."""
    ledger = traffic.Ledger()
    paths = ["/api/images/", "/", "/readyz", "/delete/"]

    def visit(n, rounds):
        client = traffic.Client(server.port, ledger)
        for path in paths[n % len(paths):] + paths[: n % len(paths)] * rounds:
            client.request("first requests", "GET", path, expect=(200,))
        client.close()

    def together(rounds):
        threads = [threading.Thread(target=visit, args=(n, rounds)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    together(3)  # every pooled connection opened and used
    warm = dict(ledger.statuses["first requests"])
    ledger.statuses.clear()
    proxy.cut()
    time.sleep(during)
    proxy.restore()
    first = traffic.Client(server.port, ledger)
    sequence = [first.request("first requests", "GET", path, expect=(200,)).status
                for path in paths * 3]
    first.close()
    together(2)
    return {"warm-up": warm, "first_in_order": sequence,
            "then": dict(ledger.statuses["first requests"]), "unexpected": ledger.unexpected}


def _committed_by_phase(ledger, cut_at, restored_at) -> dict:
    counts = Counter()
    for started, _kind, status in ledger.timeline:
        if status in (201, 204):
            counts["before" if started < cut_at else "during" if started < restored_at
                   else "after"] += 1
    return dict(counts)


def status_counts(answers: dict, phase: str) -> Counter:
    total = Counter()
    for statuses in answers[phase].values():
        total.update(statuses)
    return total


# --- kill -9 in the middle of uploads -----------------------------------------------------


def kill_mid_upload(server, *, uploaders=3, spoolers=2, body_mb=15, settle=2.0,
                    after=5.0) -> dict:
    """SIGKILL the server while uploads are in flight: photos being stored and
    large bodies being spooled to temporary files. Then restart it and look at
    what is left, before and after `reconcile_media --fix`."""
    ledger = traffic.Ledger()
    photo = dict(traffic.sample_files())["camera.jpg"]
    junk = os.urandom(body_mb * 2**20)  # refused (415), but only after it was spooled
    temp_dir = upload_temp_dir(server)
    stop = threading.Event()
    seen: list[int] = []

    def uploader(data, name):
        client = traffic.Client(server.port, ledger)
        while not stop.is_set():
            answer = client.upload("upload", data, name, expect=(201, 415, 0))
            seen.append(answer.status)
            if answer.status == 0:
                return

    threads = [threading.Thread(target=uploader, args=(photo, f"photo-{n}.jpg"))
               for n in range(uploaders)]
    threads += [threading.Thread(target=uploader, args=(junk, f"big-{n}.jpg"))
                for n in range(spoolers)]
    for thread in threads:
        thread.start()
    # Let some uploads finish, then kill while a large body sits in a
    # temporary file (or after `after` s).
    time.sleep(settle)
    deadline = time.monotonic() + after
    while not leftovers(temp_dir) and time.monotonic() < deadline:
        time.sleep(0.005)
    spooling = leftovers(temp_dir)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    server.process = None
    stop.set()
    for thread in threads:
        thread.join()
    left_in_temp = leftovers(temp_dir)
    committed = set(ledger.created)

    server.start()
    after_start_temp = leftovers(temp_dir)
    listed = traffic.api_ids(server.port)
    whole = _whole_images(server.port, listed)
    report = server.manage("reconcile_media", "--min-age", "0").strip().splitlines()
    fixed = server.manage("reconcile_media", "--fix", "--min-age", "0").strip().splitlines()
    return {
        "answers": dict(Counter(seen)),
        "committed": len(committed),
        "listed": len(listed),
        "lost": sorted(committed - listed),
        "listed_but_not_whole": whole,
        "spooling_when_killed": spooling,
        "temp_after_kill": left_in_temp,
        "temp_after_start": after_start_temp,
        "reconcile_report": report,
        "reconcile_fix": fixed[-1],
        "storage_after_fix": traffic.storage_findings(server, traffic.api_ids(server.port), None),
        "temp_after_fix": leftovers(temp_dir),
    }


def _whole_images(port: int, ids: set[int]) -> list[str]:
    """Every listed image's bytes served in full (size as recorded)."""
    client = traffic.Client(port, traffic.Ledger())
    broken = []
    for image_id in sorted(ids):
        item = client.request("API item", "GET", f"/api/images/{image_id}/", expect=(200,))
        data = client.request("image bytes", "GET", f"/image/{image_id}", expect=(200,))
        if item.status != 200 or data.status != 200 or len(data.body) != item.json()["size"]:
            broken.append(f"image {image_id}: item {item.status}, bytes {data.status} "
                          f"({len(data.body)} bytes)")
    client.close()
    return broken


# --- a full disk ---------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "8m"):
    """A real file system of `size` (tmpfs) mounted at `folder`: writes past it fail
    with ENOSPC. Yields None where mounting is not allowed (not root)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def full_disk(server, *, most=60) -> dict:
    """Upload until the media folder's disk is full, then free some space and go
    on, without a restart."""
    ledger = traffic.Ledger()
    client = traffic.Client(server.port, ledger)
    files = dict(traffic.sample_files())
    mine, statuses = [], []
    for n in range(most):
        answer = client.upload("upload", files["screenshot.png"], f"fill-{n}.png",
                               expect=(201, 507))
        statuses.append(answer.status)
        if answer.status == 201:
            mine.append(answer.json())
        else:
            break
    while_full = {
        "small upload": client.upload("upload", files["icon.png"], "small.png",
                                      expect=(201, 507)).status,
        "spooled upload": client.upload("upload", files["camera.jpg"], "big.jpg",
                                        expect=(507,)).status,
        "gallery page": client.request("page", "GET", "/", expect=(200,)).status,
        "API list": client.request("API list", "GET", "/api/images/", expect=(200,)).status,
        "readyz": client.request("readyz", "GET", "/readyz", expect=(200,)).status,
    }
    storage_when_full = traffic.storage_findings(server, set(ledger.created) - ledger.deleted,
                                                 None)
    freed = [client.delete("delete", image["id"], image["delete_token"], expect=(204,)).status
             for image in mine[: max(1, len(mine) // 2)]]
    after = client.upload("upload", files["screenshot.png"], "after.png", expect=(201,)).status
    client.close()
    return {
        "fill_statuses": dict(Counter(statuses)),
        "uploads_before_full": statuses.count(201),
        "while_full": while_full,
        "storage_when_full": storage_when_full,
        "freed": dict(Counter(freed)),
        "upload_after_freeing": after,
        "storage_after": traffic.storage_findings(server, ledger.alive(), server.temporary),
        "unexpected": ledger.unexpected,
    }


def as_json(result: dict) -> str:
    return json.dumps(result, indent=2, default=str)


# --- verdicts: what each scenario must show (empty: it held) ------------------------------


def server_errors(result: dict) -> dict:
    """Answers that were 5xx other than 503, or no answer at all, by phase."""
    return {
        phase: {status: n for status, n in status_counts(result["answers"], phase).items()
                if status == 0 or (status >= 500 and status != 503)}
        for phase in PHASES
    }


def quiet_outage_verdict(result: dict) -> list[str]:
    first = result["first_in_order"]
    problems = [] if set(first) == {200} else [
        f"the first requests after the database returned answered {first}"
    ]
    return problems + result["unexpected"]


def outage_verdict(result: dict, dependency: str) -> list[str]:
    problems = [f"{phase} the outage: {statuses} (5xx other than 503, or no answer)"
                for phase, statuses in server_errors(result).items() if statuses]
    during = status_counts(result["answers"], "during")
    after = status_counts(result["answers"], "after")
    if after[503]:
        problems.append(f"{after[503]} requests started after {dependency} returned were 503")
    if result["ready_again_s"] is None:
        problems.append(f"/readyz never answered 200 after {dependency} returned")
    if dependency == "PostgreSQL":
        if not during[503]:
            problems.append("no client saw the outage: no 503 while PostgreSQL was away")
        problems += result["events"]
    else:
        if not during[201]:
            problems.append(f"no upload succeeded while {dependency} was away")
        if result["answers"]["during"].get("readyz", {}).get(503, 0) == 0:
            problems.append(f"/readyz did not report {dependency} missing")
        websocket = result["websocket_connect_during"]
        if websocket.startswith("HTTP 5") and websocket != "HTTP 503":
            problems.append(f"a WebSocket opened while {dependency} was away got {websocket}")
        problems += result["dropped"] + result["events_after_restore"]["findings"]
        if not result["events_after_restore"]["later"]:
            problems.append(f"nothing was committed after {dependency} returned")
    return problems + result["storage"]


def kill_verdict(result: dict) -> list[str]:
    problems = []
    if not result["answers"].get(0):
        problems.append("the kill cut no upload off (nothing was in flight)")
    if result["lost"]:
        problems.append(f"uploads answered 201 but gone after the restart: {result['lost']}")
    problems += result["listed_but_not_whole"] + result["storage_after_fix"]
    if result["temp_after_fix"]:
        problems.append(f"temporary upload files left after the restart and reconcile_media "
                        f"--fix: {result['temp_after_fix']}")
    return problems


def full_disk_verdict(result: dict) -> list[str]:
    problems = []
    if result["fill_statuses"].get(507) != 1 or not result["uploads_before_full"]:
        problems.append(f"filling the disk answered {result['fill_statuses']}")
    wanted = {"spooled upload": 507, "gallery page": 200, "API list": 200, "readyz": 200}
    problems += [f"{what} while the disk was full: {result['while_full'][what]}, "
                 f"expected {status}"
                 for what, status in wanted.items() if result["while_full"][what] != status]
    if result["while_full"]["small upload"] not in (201, 507):
        problems.append(f"a small upload on the full disk: {result['while_full']['small upload']}")
    if set(result["freed"]) != {204} or result["upload_after_freeing"] != 201:
        problems.append(f"after freeing space: deletes {result['freed']}, "
                        f"upload {result['upload_after_freeing']}")
    return problems + result["storage_when_full"] + result["storage_after"] + result["unexpected"]
