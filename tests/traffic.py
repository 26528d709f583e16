"""Mixed traffic against a running Live Gallery, and the checks that say it held.

One module for the suite's soak (tests/test_soak.py, about 30 s in CI) and
`make soak` (scripts/soak.py, minutes, with figures for docs/reliability.md),
so the two can never drift apart.

What a crowd does, from outside, on real keep-alive connections:
- `clients` threads, each one connection, pick actions at random with no
  pause between them: uploads (real PNG, JPEG, GIF and WebP files from 1 KB
  to about 3 MB), pages, image bytes (some conditional, some HEAD),
  previews, API lists and items, deletes of their own images (Bearer token)
  and of others' (which must be 403);
- one racer thread, every moment, makes `racers` requests start together:
  uploads all named `same.png` (each must succeed under its own
  `same (n).png`), DELETEs of one image with its token (exactly one 204, the
  rest 404), and a browser's double-submitted Delete page (one 303, the rest 404);
- `listeners` WebSocket clients on /ws/gallery/ keep every event they hear.

Every answer is checked as it comes (an unexpected status is kept with its
body) and timed by route kind. Afterwards `problems()` reconciles: each
listener must have heard every committed create (a 201) and delete (a 204 or
the page's 303) exactly once and nothing else; the API must list exactly the
images that were created and not deleted; the media folder must hold files
for exactly those, with `manage.py reconcile_media` agreeing; a read may be
404 only for an image that was deleted; nothing may be left in the server's
temporary folder, and its log must hold no error.
"""

import asyncio
import functools
import http.client
import io
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from PIL import Image

from bench.lib import multipart, percentile, proc_status_kib

SAME_NAME = re.compile(r"same(?: \((\d+)\))?\.png")
PREVIEW = re.compile(r"^(\d+)\.[wa]\d+\.webp$")  # still (w) and animated (a) previews
ORIGINAL = re.compile(r"^(\d+)\.(png|jpg|gif|webp)$")
KEEPERS = 3  # images nobody deletes: others' deletes of them must be 403
KEPT_BODY = 300  # bytes of an unexpected answer's body kept for the report
SETTLE_SECONDS = 30  # how long listeners may take to hear the last events


@dataclass(frozen=True)
class Plan:
    seconds: float = 30
    clients: int = 8
    racers: int = 6
    listeners: int = 50
    seed: int = 1


# --- files ------------------------------------------------------------------------


@functools.cache
def sample_files(seed: int = 0) -> list[tuple[str, bytes]]:
    """Real images of every accepted format, from a 3 KB icon to a 3 MB photo.

    Gradients under random grain, so they stay large after compression: the
    photo is above Django's 2 MiB in-memory limit, so its upload is spooled to
    a temporary file.
    """
    rng = random.Random(seed)

    def picture(width, height, mode="RGB", grain=0.35):
        base = Image.linear_gradient("L").resize((width, height))
        channels = [base, base.transpose(Image.Transpose.ROTATE_90).resize((width, height)),
                    Image.radial_gradient("L").resize((width, height))]
        noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        picture = Image.blend(Image.merge("RGB", channels), noise, grain)
        return picture.convert(mode) if mode != "RGB" else picture

    def encoded(image, fmt, **options) -> bytes:
        out = io.BytesIO()
        image.save(out, fmt, **options)
        return out.getvalue()

    frames = [picture(160, 120).quantize(64) for _ in range(6)]
    return [
        ("icon.png", encoded(picture(32, 32), "PNG")),
        ("screenshot.png", encoded(picture(800, 600, grain=0.2), "PNG")),
        ("sticker.png", encoded(picture(256, 256, "RGBA"), "PNG")),
        ("holiday.jpg", encoded(picture(1024, 768), "JPEG", quality=85)),
        ("camera.jpg", encoded(picture(2400, 1600, grain=0.4), "JPEG", quality=92)),
        ("loop.gif", encoded(frames[0], "GIF", save_all=True, append_images=frames[1:],
                             duration=80, loop=0)),
        ("banner.webp", encoded(picture(960, 320), "WEBP", quality=80)),
        ("logo.webp", encoded(picture(200, 200, "RGBA"), "WEBP", lossless=True)),
    ]


def tiny_png(n: int) -> bytes:
    """A 16×16 PNG, different for every n."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (n % 256, n // 256 % 256, 99)).save(out, "PNG")
    return out.getvalue()


# --- what clients saw ---------------------------------------------------------------


class Ledger:
    """Every answer, by route kind; what committed; what was not as expected."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created: dict[int, str] = {}  # id -> name, from every 201
        self.deleted: set[int] = set()  # from every 204 and Delete page 303
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.unexpected: list[str] = []
        self.read_404s: list[tuple[int, str]] = []  # (id, path)
        self.races: dict[str, list[str]] = defaultdict(list)  # kind -> failures
        self.race_counts: Counter = Counter()
        self.timeline: list[tuple[float, str, int]] = []  # (monotonic start, kind, status)
        self.committed_at: dict[tuple[str, int], float] = {}  # event -> when its answer came
        # Uploads and deletes answered 503 or not at all: they may have committed
        # anyway (the connection to the database broke during the COMMIT).
        self.in_doubt: Counter = Counter()

    def record(self, kind, method, path, status, started, seconds, body, expect):
        with self.lock:
            self.timeline.append((started, kind, status))
            if status in (0, 503) and method in ("POST", "DELETE"):
                change = "delete" if "delete" in kind else "upload" if "upload" in kind else None
                if change:
                    self.in_doubt[change] += 1
            self.seconds[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status not in expect:
                self.unexpected.append(
                    f"{method} {path} ({kind}): {status or 'no answer'}, "
                    f"expected {'/'.join(map(str, expect))}: {body[:KEPT_BODY]!r}"
                )

    def committed_create(self, image_id: int, name: str):
        with self.lock:
            self.created[image_id] = name
            self.committed_at["image.created", image_id] = time.monotonic()

    def committed_delete(self, image_id: int):
        with self.lock:
            if image_id in self.deleted:
                self.races["deletes"].append(f"image {image_id} was deleted twice")
            self.deleted.add(image_id)
            self.committed_at["image.deleted", image_id] = time.monotonic()

    def race_failed(self, kind: str, what: str):
        with self.lock:
            self.races[kind].append(what)

    def alive(self) -> set[int]:
        return set(self.created) - self.deleted


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP connection with its cookies, as a browser tab holds it."""

    def __init__(self, port: int, ledger: Ledger, timeout: float = 60):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.ledger = ledger
        self.cookies: dict[str, str] = {}

    def request(self, kind, method, path, *, expect, body=None, headers=None) -> Answer:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            answer = Answer(response.status, dict(response.getheaders()), response.read())
            for value in response.headers.get_all("Set-Cookie") or ():
                self.cookies.update({k: m.value for k, m in SimpleCookie(value).items()})
        except (OSError, http.client.HTTPException) as error:
            # The next request opens a new connection; this one counts as failed.
            self.connection.close()
            answer = Answer(0, {}, repr(error).encode())
        self.ledger.record(
            kind, method, path, answer.status, started, time.monotonic() - started, answer.body,
            expect,
        )
        return answer

    def upload(self, kind, data: bytes, filename: str, *, expect=(201,)) -> Answer:
        body, content_type = multipart(data, filename, "application/octet-stream")
        answer = self.request(kind, "POST", "/api/images/", body=body, expect=expect,
                              headers={"Content-Type": content_type})
        if answer.status == 201:
            image = answer.json()
            self.ledger.committed_create(image["id"], image["name"])
        return answer

    def delete(self, kind, image_id: int, token: str | None, *, expect) -> Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.request(kind, "DELETE", f"/api/images/{image_id}/", expect=expect,
                              headers=headers)
        if answer.status == 204:
            self.ledger.committed_delete(image_id)
        return answer

    def close(self):
        self.connection.close()


# --- the crowd ----------------------------------------------------------------------


class Gallery:
    """What the crowd knows of the gallery: images someone saw created."""

    def __init__(self, keepers: list[dict]):
        self.lock = threading.Lock()
        self.keepers = keepers
        self.seen: list[dict] = list(keepers)

    def add(self, image: dict):
        with self.lock:
            self.seen.append(image)
            del self.seen[: max(0, len(self.seen) - 500)]

    def remove(self, image_id: int):
        """Gone from the gallery: people stop following links to it (mostly)."""
        with self.lock:
            self.seen = [image for image in self.seen if image["id"] != image_id]

    def any(self, rng: random.Random) -> dict:
        with self.lock:
            return rng.choice(self.seen)


class Visitor:
    """One keep-alive client doing what people and scripts do, in random order."""

    NAMES = ("photo", "cat", "IMG_0001", "screenshot")

    def __init__(self, number, port, ledger, gallery, files, rng):
        self.number, self.ledger, self.gallery = number, ledger, gallery
        self.client = Client(port, ledger)
        self.files, self.rng = files, rng
        self.mine: list[tuple[int, str]] = []  # (id, delete token)
        self.uploads = 0
        self.actions = [
            (self.upload, 10), (self.page, 22), (self.image_bytes, 20), (self.preview, 14),
            (self.api_list, 8), (self.api_item, 10), (self.delete_mine, 6),
            (self.delete_theirs, 4),
        ]

    def run(self, deadline: float):
        actions, weights = zip(*self.actions, strict=True)
        while time.monotonic() < deadline:
            self.rng.choices(actions, weights)[0]()
        self.client.close()

    def read(self, kind, path, image, expect=(200,), **options) -> Answer:
        """A read of `image`: 404 is fine if it was deleted (checked afterwards)."""
        answer = self.client.request(kind, options.pop("method", "GET"), path,
                                     expect=(*expect, 404), **options)
        if answer.status == 404:
            with self.ledger.lock:
                self.ledger.read_404s.append((image["id"], path))
        return answer

    def upload(self):
        original, data = self.rng.choice(self.files)
        stem = self.rng.choice(self.NAMES) if self.rng.random() < 0.3 else original.split(".")[0]
        self.uploads += 1
        answer = self.client.upload("upload", data, f"{stem}.{original.split('.')[-1]}")
        if answer.status == 201:
            image = answer.json()
            self.mine.append((image["id"], image["delete_token"]))
            self.gallery.add({"id": image["id"]})

    def page(self):
        image = self.gallery.any(self.rng)
        choice = self.rng.randrange(6)
        if choice == 0:
            self.client.request("page", "GET", "/", expect=(200,))
        elif choice == 1:
            self.client.request("page", "GET", "/?page=2", expect=(200,))
        elif choice == 2:
            self.client.request("page", "GET", "/upload/", expect=(200,))
        elif choice == 3:
            self.client.request("page", "GET", "/delete/", expect=(200,))
        elif choice == 4:
            self.read("page", f"/images/{image['id']}/", image)
        else:
            self.read("page", f"/view/?id={image['id']}", image, expect=(303,))

    def image_bytes(self):
        image = self.gallery.any(self.rng)
        path = f"/image/{image['id']}"
        if "etag" in image and self.rng.random() < 0.3:
            self.read("image bytes", path, image, expect=(304,),
                      headers={"If-None-Match": image["etag"]})
        elif self.rng.random() < 0.1:
            self.read("image bytes", path, image, method="HEAD")
        else:
            answer = self.read("image bytes", path, image)
            if answer.status == 200:
                image["etag"] = answer.headers.get("ETag", "")

    def preview(self):
        image = self.gallery.any(self.rng)
        width = self.rng.choice((320, 640))
        self.read("preview", f"/image/{image['id']}/w{width}.webp", image)

    def api_list(self):
        if self.rng.random() < 0.7:
            self.client.request("API list", "GET", "/api/images/", expect=(200,))
        else:
            # Past the last page is 404: fine while the gallery is small.
            self.client.request("API list", "GET", "/api/images/?page=2&page_size=20",
                                expect=(200, 404))

    def api_item(self):
        image = self.gallery.any(self.rng)
        self.read("API item", f"/api/images/{image['id']}/", image)

    def delete_mine(self):
        if not self.mine:
            return self.upload()
        image_id, token = self.mine.pop(self.rng.randrange(len(self.mine)))
        if self.client.delete("delete", image_id, token, expect=(204,)).status == 204:
            self.gallery.remove(image_id)

    def delete_theirs(self):
        keeper = self.rng.choice(self.gallery.keepers)
        token = self.mine[-1][1] if self.mine and self.rng.random() < 0.5 else None
        self.client.delete("refused delete", keeper["id"], token, expect=(403,))


class Racer:
    """Requests that start together, on connections of their own."""

    def __init__(self, port, ledger, count):
        self.ledger = ledger
        self.clients = [Client(port, ledger) for _ in range(count)]
        self.browser = Client(port, ledger)
        self.serials = itertools.count(1)

    def run(self, deadline: float):
        bursts = [self.same_names, self.same_delete, self.names_with_churn,
                  self.double_submitted_page_delete]
        n = 0
        while time.monotonic() < deadline:
            bursts[n % len(bursts)]()
            n += 1
            time.sleep(0.5)
        for client in (*self.clients, self.browser):
            client.close()

    def at_once(self, work):
        """work(index, client) on every racer's client, all released together."""
        barrier = threading.Barrier(len(self.clients))
        results = [None] * len(self.clients)

        def run(index, client):
            barrier.wait()
            results[index] = work(index, client)

        threads = [threading.Thread(target=run, args=item) for item in enumerate(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def png(self) -> bytes:
        return tiny_png(next(self.serials))

    def same_names(self):
        files = [self.png() for _ in self.clients]
        answers = self.at_once(lambda i, c: c.upload("racing upload", files[i], "same.png"))
        self.ledger.race_counts["names"] += 1
        images = [a.json() for a in answers if a.status == 201]
        names = [image["name"] for image in images]
        if len(images) != len(answers):
            self.ledger.race_failed("names", f"{len(answers) - len(images)} of {len(answers)} "
                                             f"uploads of same.png failed: "
                                             f"{sorted(a.status for a in answers)}")
        if len(set(names)) != len(names) or not all(SAME_NAME.fullmatch(n) for n in names):
            self.ledger.race_failed("names", f"names not distinct `same (n).png`: {names}")
        self.at_once(
            lambda i, c: c.delete("delete", images[i]["id"], images[i]["delete_token"],
                                  expect=(204,)) if i < len(images) else None
        )

    def names_with_churn(self, rounds: int = 5):
        """Every racer uploads `same.png` and deletes it again, a few times over:
        names are taken and freed while others are choosing theirs."""

        def churn(index, client):
            statuses = []
            for _ in range(rounds):
                answer = client.upload("racing upload", self.png(), "same.png")
                statuses.append(answer.status)
                if answer.status == 201:
                    image = answer.json()
                    client.delete("delete", image["id"], image["delete_token"], expect=(204,))
            return statuses

        self.ledger.race_counts["names"] += 1
        statuses = [status for result in self.at_once(churn) for status in result]
        if failed := [status for status in statuses if status != 201]:
            self.ledger.race_failed("names", f"{len(failed)} of {len(statuses)} uploads of "
                                             f"same.png amid deletes failed: {sorted(failed)}")

    def same_delete(self):
        answer = self.clients[0].upload("racing upload", self.png(), "doomed.png")
        if answer.status != 201:
            return
        image = answer.json()
        answers = self.at_once(
            lambda i, c: c.delete("racing delete", image["id"], image["delete_token"],
                                  expect=(204, 404))
        )
        self.ledger.race_counts["deletes"] += 1
        statuses = sorted(a.status for a in answers)
        if statuses != [204] + [404] * (len(answers) - 1):
            self.ledger.race_failed("deletes", f"{len(answers)} DELETEs of image "
                                               f"{image['id']} answered {statuses}")

    def double_submitted_page_delete(self):
        """One browser session uploads on the Upload page, then its Delete form
        is submitted several times at once (an impatient double click)."""
        if "csrftoken" not in self.browser.cookies:
            self.browser.request("page", "GET", "/upload/", expect=(200,))
        token = self.browser.cookies.get("csrftoken", "")
        body, content_type = multipart(self.png(), "page.png", "image/png")
        answer = self.browser.request(
            "page upload", "POST", "/upload/", body=body, expect=(201,),
            headers={"Content-Type": content_type, "Accept": "application/json",
                     "X-CSRFToken": token},
        )
        if answer.status != 201:
            return
        image = answer.json()["image"]
        self.ledger.committed_create(image["id"], image["name"])
        form = urllib.parse.urlencode({"id": image["id"], "csrfmiddlewaretoken": token})
        for client in self.clients:
            client.cookies = dict(self.browser.cookies)
        answers = self.at_once(
            lambda i, c: c.request(
                "racing delete", "POST", "/delete/", body=form, expect=(303, 404),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        )
        for client in self.clients:
            client.cookies = {}
        self.ledger.race_counts["page deletes"] += 1
        statuses = sorted(a.status for a in answers)
        for _ in range(statuses.count(303)):
            self.ledger.committed_delete(image["id"])
        if statuses != [303] + [404] * (len(answers) - 1):
            self.ledger.race_failed("deletes", f"{len(answers)} Delete page POSTs of image "
                                               f"{image['id']} answered {statuses}")


# --- listeners ------------------------------------------------------------------------


class Listeners:
    """`count` WebSocket clients on /ws/gallery/, on an event loop of their own."""

    def __init__(self, port: int, count: int):
        self.url = f"ws://127.0.0.1:{port}/ws/gallery/"
        self.origin = f"http://127.0.0.1:{port}"
        self.count = count
        self.heard: list[list[tuple[str, int]]] = [[] for _ in range(count)]
        self.dropped: list[str] = []
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.stopping = False
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self):
        self.thread.start()
        self.ready.wait(60)
        if self.error or not self.ready.is_set():
            self.thread.join(5)
            raise RuntimeError(f"listeners could not connect: {self.error!r}")
        return self

    def __exit__(self, *exc_info):
        self.stopping = True
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)

    async def _main(self):
        from websockets.asyncio.client import connect

        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        try:
            sockets = await asyncio.gather(*(
                connect(self.url, origin=self.origin, compression=None, max_queue=None,
                        open_timeout=30)
                for _ in range(self.count)
            ))
        except Exception as error:  # noqa: BLE001 - reported by __enter__
            self.error = error
            self.ready.set()
            return
        self.ready.set()
        tasks = [asyncio.create_task(self._listen(i, s)) for i, s in enumerate(sockets)]
        await self.stop.wait()
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen(self, index: int, socket):
        try:
            async for message in socket:
                event = json.loads(message)
                image_id = event["image"]["id"] if event["type"] == "image.created" else event["id"]
                self.heard[index].append((event["type"], image_id))
        except Exception as error:  # noqa: BLE001 - a dropped socket is a finding
            self.dropped.append(f"listener {index}: {error!r}")
        if not self.stopping:
            self.dropped.append(f"listener {index} was closed by the server: "
                                f"{socket.close_code} {socket.close_reason!r}")

    def wait_for(self, created: set[int], deleted: set[int], seconds: float):
        """Until every listener heard all of these (or `seconds` pass), then a
        moment more, so that a duplicate sent late is heard too."""
        wanted = {("image.created", i) for i in created} | {("image.deleted", i) for i in deleted}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(wanted <= set(heard) for heard in self.heard):
                break
            time.sleep(0.1)
        time.sleep(1)


# --- a run and its findings ------------------------------------------------------------


@dataclass
class Report:
    plan: Plan
    seconds: float
    ledger: Ledger
    listeners: Listeners
    peak_rss_kib: int
    uploads: int
    findings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.ledger.statuses.values())

    def figures(self) -> dict:
        """Requests/s, latency per route kind, answers by status, peak RSS."""
        kinds = {}
        for kind, seconds in sorted(self.ledger.seconds.items()):
            ms = [s * 1000 for s in seconds]
            kinds[kind] = {
                "requests": len(ms),
                "p50_ms": round(percentile(ms, 50), 1),
                "p95_ms": round(percentile(ms, 95), 1),
                "max_ms": round(max(ms), 1),
                "statuses": {str(k): v for k, v in sorted(self.ledger.statuses[kind].items())},
            }
        statuses = Counter()
        for counter in self.ledger.statuses.values():
            statuses.update(counter)
        return {
            "plan": self.plan.__dict__,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "requests_per_second": round(self.requests / self.seconds, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "kinds": kinds,
            "created": len(self.ledger.created),
            "deleted": len(self.ledger.deleted),
            "races": dict(self.ledger.race_counts),
            "listeners": self.plan.listeners,
            "events_per_listener": len(self.ledger.created) + len(self.ledger.deleted),
            "peak_rss_mib": round(self.peak_rss_kib / 1024, 1),
            "findings": {k: len(v) for k, v in self.findings.items()},
        }


def run(server, plan: Plan = Plan()) -> Report:
    """`plan.seconds` of mixed traffic against `server` (tests/live_server.LiveServer)."""
    files = sample_files(plan.seed)
    ledger = Ledger()
    with Listeners(server.port, plan.listeners) as listeners:
        setup = Client(server.port, ledger)
        keepers = []
        for n in range(KEEPERS):
            answer = setup.upload("upload", tiny_png(10_000 + n), f"keeper-{n}.png")
            if answer.status != 201:
                raise RuntimeError(f"the server refused the first uploads: {answer}")
            keepers.append({"id": answer.json()["id"]})
        setup.close()
        gallery = Gallery(keepers)
        rng = random.Random(plan.seed)
        visitors = [
            Visitor(n, server.port, ledger, gallery, files, random.Random(rng.random()))
            for n in range(plan.clients)
        ]
        racer = Racer(server.port, ledger, plan.racers)
        started = time.monotonic()
        deadline = started + plan.seconds
        threads = [threading.Thread(target=v.run, args=(deadline,)) for v in visitors]
        threads.append(threading.Thread(target=racer.run, args=(deadline,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        listeners.wait_for(set(ledger.created), ledger.deleted, SETTLE_SECONDS)
    return Report(
        plan=plan, seconds=elapsed, ledger=ledger, listeners=listeners,
        peak_rss_kib=proc_status_kib(server.process.pid, "VmHWM"),
        uploads=sum(v.uploads for v in visitors),
    )


def problems(report: Report, server, temporary: Path | None = None) -> dict[str, list[str]]:
    """Every way the run fell short, by guarantee (empty lists: it held)."""
    ledger = report.ledger
    server_errors = [
        f"{kind}: {count} × {status or 'no answer'}"
        for kind, counter in sorted(ledger.statuses.items())
        for status, count in sorted(counter.items())
        if status == 0 or status >= 500
    ]
    findings = {
        "server errors": server_errors,
        "unexpected answers": ledger.unexpected,
        "racing names": ledger.races["names"],
        "racing deletes": ledger.races["deletes"],
        "live events": _event_findings(report),
        "reads of images never deleted": [
            f"{path} answered 404 but image {image_id} was never deleted"
            for image_id, path in ledger.read_404s if image_id not in ledger.deleted
        ],
        "storage": storage_findings(server, ledger.alive(), temporary),
        "server log": log_findings(server.log),
    }
    report.findings = findings
    return findings


def _event_findings(report: Report) -> list[str]:
    ledger, listeners = report.ledger, report.listeners
    wanted = Counter({("image.created", i): 1 for i in ledger.created})
    wanted.update({("image.deleted", i): 1 for i in ledger.deleted})
    found = list(listeners.dropped)
    for index, heard in enumerate(listeners.heard):
        got = Counter(heard)
        missing = sorted(wanted - got)
        extra = sorted(got - wanted)
        if missing:
            found.append(f"listener {index} never heard {len(missing)} events: {missing[:5]}")
        if extra:
            found.append(f"listener {index} heard {len(extra)} events too many "
                         f"(duplicates or uncommitted): {extra[:5]}")
    return found


def api_ids(port: int) -> set[int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    ids, page = set(), 1
    while True:
        connection.request("GET", f"/api/images/?page={page}&page_size=100")
        response = connection.getresponse()
        body = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"the API list answered {response.status}: {body}")
        ids.update(image["id"] for image in body["results"])
        if not body["next"]:
            connection.close()
            return ids
        page += 1


def storage_findings(server, alive: set[int], temporary: Path | None = None,
                     in_doubt: Counter | None = None) -> list[str]:
    """The API lists exactly the images alive, the media folder holds exactly their
    files (one original each), and nothing was left in the temporary folder.

    `in_doubt` counts uploads and deletes that got no answer or a 503 while the
    database went away: each may have committed anyway, so as many images may
    be listed beyond `alive` (uploads) or missing from it (deletes) — whole,
    with their files, as any other.
    """
    found = []
    listed = api_ids(server.port)
    in_doubt = in_doubt or Counter()
    extra, missing = listed - alive, alive - listed
    if len(extra) > in_doubt["upload"] or len(missing) > in_doubt["delete"]:
        found.append(f"the API lists {sorted(extra)[:10]} that should be gone and "
                     f"misses {sorted(missing)[:10]}")
    alive = listed if not found else alive
    folder = server.media / "images"
    names = [p.name for p in folder.iterdir()] if folder.exists() else []
    originals = Counter(int(m[1]) for n in names if (m := ORIGINAL.fullmatch(n)))
    previews = {int(m[1]) for n in names if (m := PREVIEW.fullmatch(n))}
    strangers = [n for n in names if not ORIGINAL.fullmatch(n) and not PREVIEW.fullmatch(n)]
    if set(originals) != alive:
        found.append(f"files of deleted images {sorted(set(originals) - alive)[:10]}, "
                     f"images without a file {sorted(alive - set(originals))[:10]}")
    if twice := [i for i, n in originals.items() if n > 1]:
        found.append(f"images with more than one original: {twice[:10]}")
    if orphans := sorted(previews - alive):
        found.append(f"previews of deleted images: {orphans[:10]}")
    if strangers:
        found.append(f"files that are neither an original nor a preview: {strangers[:10]}")
    verdict = server.manage("reconcile_media", "--min-age", "0").strip().splitlines()[-1]
    if verdict != "found 0 file(s) without row, 0 row(s) without file, 0 upload temp file(s)":
        found.append(f"reconcile_media: {verdict}")
    if temporary is not None:
        if left := sorted(str(p.relative_to(temporary)) for p in temporary.rglob("*")
                          if p.is_file()):
            found.append(f"left in the server's temporary folder: {left[:10]}")
    return found


def log_findings(log: Path) -> list[str]:
    """Errors and tracebacks the server logged (its level is WARNING in tests)."""
    lines = log.read_text(errors="replace").splitlines()
    return [line[:KEPT_BODY] for line in lines if " ERROR " in line or "Traceback" in line]
