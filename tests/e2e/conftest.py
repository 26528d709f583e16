"""Browser tests: Debian's Chromium, driven by Playwright, against a real daphne.

One server per session (tests/e2e/server.py). Every test fails on a browser
console error, an uncaught page error or a CSP violation, unless it declares
that exact error as expected (`browser_errors.expect(...)`).
"""

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.pictures import picture
from tests.live_server import BASE_DIR, LiveServer

AXE_VERSION = "4.14.1"
AXE_CACHE = BASE_DIR / ".venv" / "axe" / AXE_VERSION
HERE = Path(__file__).parent


def pytest_itemcollected(item):
    """Mark the browser tests as they are collected, so `-m "not e2e"` leaves
    them out, and skip them without Chromium."""
    if HERE in item.path.parents:
        item.add_marker(pytest.mark.e2e)
        if not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(
                reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)"
            ))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Run the browser tests last (after every other plugin's ordering).

    Last, because Playwright's synchronous API keeps its event loop marked as
    running in the main thread from its first test to the end of the session,
    which Django's and pytest-asyncio's loop checks in later tests would see.
    """
    browser_tests = [item for item in items if HERE in item.path.parents]
    items[:] = [item for item in items if item not in browser_tests] + browser_tests


@pytest.fixture(scope="session")
def gallery_server(tmp_path_factory):
    # Expired images are swept within half a second, so a test sees a tile go.
    with LiveServer(tmp_path_factory.mktemp("live-gallery"), EXPIRY_SWEEP_SECONDS="0.5") as server:
        yield server


@pytest.fixture
def empty_gallery(gallery_server):
    """A gallery with no image in it: the server starts over from a fresh database."""
    gallery_server.reset()
    return gallery_server


@pytest.fixture(scope="session")
def base_url(gallery_server):
    return gallery_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


# Page scripts cannot see CSP reports of their own page before they run, so
# this (injected by Playwright, which CSP does not govern) logs them as errors.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline code";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked}`);
});
"""


class BrowserErrors:
    def __init__(self):
        self.seen: list[str] = []
        self.expected: list[re.Pattern] = []

    def watch(self, context):
        context.add_init_script(CSP_REPORTER)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.seen.append(f"uncaught: {error.error}"))

    def _console(self, message):
        if message.type == "error":
            self.seen.append(f"console error: {message.text} at {message.location.get('url')}")

    def expect(self, pattern: str):
        """This test provokes errors matching `pattern` (a regular expression)."""
        self.expected.append(re.compile(pattern))

    def check(self):
        unexpected = [e for e in self.seen if not any(p.search(e) for p in self.expected)]
        self.seen.clear()
        assert not unexpected, "the browser reported errors:\n" + "\n".join(unexpected)


@pytest.fixture
def browser_errors():
    errors = BrowserErrors()
    yield errors
    errors.check()  # whatever arrived while the test's pages closed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    errors = item.funcargs.get("browser_errors")
    if errors is not None:
        errors.check()
    return result


@pytest.fixture
def new_context(new_context, browser_errors):
    """pytest-playwright's contexts (so `context` and `page` too), watched for errors.

    English and a desktop window unless a test asks for others.
    """

    def make(**kwargs):
        kwargs.setdefault("locale", "en-US")
        kwargs.setdefault("viewport", {"width": 1280, "height": 800})
        context = new_context(**kwargs)
        browser_errors.watch(context)
        return context

    return make


@pytest.fixture
def api(playwright, gallery_server):
    """The JSON API, as a script would use it."""
    request = playwright.request.new_context(base_url=gallery_server.url)
    yield Api(request)
    request.dispose()


class Api:
    def __init__(self, request):
        self.request = request

    def upload(self, name: str, data: bytes | None = None, seed: int = 0) -> dict:
        response = self.request.post("/api/images/", multipart={
            "file": {"name": name, "mimeType": "application/octet-stream",
                     "buffer": data if data is not None else picture(seed, 160, 120)},
        })
        assert response.status == 201, response.text()
        return response.json()

    def delete(self, image: dict):
        response = self.request.delete(
            f"/api/images/{image['id']}/",
            headers={"Authorization": f"Bearer {image['delete_token']}"},
        )
        assert response.status == 204, response.text()

    def count_of(self, image_id: int) -> int:
        """1 if the API still has the image, 0 if not."""
        return int(self.request.get(f"/api/images/{image_id}/").status == 200)

    def count(self) -> int:
        return self.request.get("/api/images/").json()["count"]

    def names(self) -> list[str]:
        return [image["name"] for image in self.request.get("/api/images/").json()["results"]]


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's axe.min.js from the npm registry, cached in .venv/axe/."""
    script = AXE_CACHE / "package" / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("the accessibility tests need npm to fetch axe-core from the npm registry")
    AXE_CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", str(AXE_CACHE)],
        cwd=AXE_CACHE, check=True, capture_output=True,
    )
    with tarfile.open(AXE_CACHE / f"axe-core-{AXE_VERSION}.tgz") as archive:
        archive.extract("package/axe.min.js", AXE_CACHE, filter="data")
    return script
