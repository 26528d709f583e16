"""`make run` with no `.env` and nothing set: what the README promises a new user.

The real Makefile target starts the real daphne; only its files are moved to a
temporary folder (database, media, key file), so the checkout's own var/ is
left alone. The product's own pages answer (no debug page), `/static/` is
served, and the README's `manage.py createsuperuser` works on the same
checkout without DEBUG.
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import BASE_DIR, free_port

pytestmark = [
    pytest.mark.skipif(not (BASE_DIR / ".venv" / "bin" / "daphne").exists(),
                       reason="`make run` serves with .venv/bin/daphne; make .venv first"),
    pytest.mark.skipif((BASE_DIR / ".env").exists(),
                       reason="a .env in the checkout decides `make run`'s settings"),
]


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("make-run")
    port = free_port()
    env = {name: value for name, value in os.environ.items()
           if name not in ("DEBUG", "SECRET_KEY", "REDIS_URL", "ALLOWED_HOSTS")}
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
               MEDIA_ROOT=str(root / "media"), SECRET_KEY_FILE=str(root / "secret-key"),
               UPLOAD_TEMP_DIR=str(root / "tmp"))
    log = (root / "make.log").open("wb")
    # -o: the venv is there already; make must not reinstall it.
    process = subprocess.Popen(["make", "-o", ".venv/.installed-run", "run"], cwd=BASE_DIR,
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/healthz", process, root / "make.log")
        yield url, env, root
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make and the daphne it started
        process.wait(timeout=20)
        log.close()


def _wait_for(url: str, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + 90  # migrate on a fresh database, then daphne
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"make run did not answer in time:\n{log.read_text()[-3000:]}")


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_an_unknown_address_answers_the_products_own_404_page(make_run):
    url, _env, _root = make_run

    status, body = fetch(f"{url}/no-such-page/")

    assert status == 404
    assert "<h1>Not found</h1>" in body
    assert 'class="main-nav"' in body
    assert "DEBUG = True" not in body


def test_it_serves_its_css_and_scripts_with_debug_off(make_run):
    url, _env, _root = make_run

    assert fetch(f"{url}/static/css/gallery.css")[0] == 200
    assert fetch(f"{url}/static/js/gallery.js")[0] == 200


def test_it_answers_at_localhost_too(make_run):
    url, _env, _root = make_run

    status, _body = fetch(f"{url}/", host=f"localhost:{url.rsplit(':', 1)[1]}")

    assert status == 200


def test_its_secret_key_is_made_once_in_a_private_file(make_run):
    _url, _env, root = make_run

    key_file = root / "secret-key"
    assert len(key_file.read_text().strip()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_the_readmes_createsuperuser_works_on_the_same_checkout(make_run):
    url, env, _root = make_run

    done = subprocess.run(
        [str(BASE_DIR / ".venv" / "bin" / "python"), "manage.py", "createsuperuser", "--noinput",
         "--username", "admin", "--email", "admin@example.com"],
        cwd=BASE_DIR, env={**env, "DJANGO_SUPERUSER_PASSWORD": "a long pass phrase"},
        capture_output=True, text=True, timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "Superuser created successfully." in done.stdout
    assert fetch(f"{url}/admin/login/")[0] == 200

