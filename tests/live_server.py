"""A real Live Gallery server in its own process, for tests from outside.

daphne runs as `make run` starts it (or, with app_server="granian", granian
as the compose stack's HTTP tier runs it), with its own database and media
folder. By default `make run`'s shape: DEBUG off with a secret key made in its
own key file, a SQLite file and the in-memory channel layer (so events
from other test runs sharing a Redis server cannot reach its pages) — what
the browser tests and `make screenshots` use. `LiveServer.production(...)`
gives the production shape instead: DEBUG off, a PostgreSQL database of its
own with the connection pool, and the Redis channel layer, when the test run
has them (DATABASE_URL / REDIS_URL). A server can be stopped and started
again on the same port and database, as an operator restarting it would.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import environ
import psycopg

BASE_DIR = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_url() -> str | None:
    """The test run's PostgreSQL server (DATABASE_URL), if it uses one."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


# How each server is started: daphne as `make run` does (ASGI, everything), or
# granian as the compose stack's HTTP tier does (WSGI, core.wsgi).
COMMANDS = {
    "daphne": lambda port: [str(BIN_DIR / "daphne"), "--bind", "127.0.0.1", "--port", str(port),
                            "--verbosity", "0", "core.asgi:application"],
    "granian": lambda port: [str(BIN_DIR / "granian"), "--interface", "wsgi", "--no-ws",
                             "--blocking-threads", "8", "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning", "core.wsgi:application"],
}


class LiveServer:
    def __init__(
        self, root: Path, port: int | None = None, *, app_server: str = "daphne", **settings: str
    ):
        self.root = root
        self.app_server = app_server
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = root / "db.sqlite3"
        self.pristine = root / "pristine.sqlite3"
        self.media = root / "media"
        self.log = root / "daphne.log"
        self.process: subprocess.Popen | None = None
        env = {
            **{name: value for name, value in os.environ.items()
               if name not in ("DEBUG", "SECRET_KEY", "REDIS_URL")},
            "SECRET_KEY_FILE": str(root / "secret-key"),
            "DATABASE_URL": f"sqlite:///{self.database}",
            "MEDIA_ROOT": str(self.media),
            "UPLOAD_TEMP_DIR": str(root / "tmp"),
            "LOG_LEVEL": "WARNING",
            "UPLOAD_RATE_LIMIT": "",
            "EXPIRY_SWEEP_SECONDS": "60",
            "PYTHONUNBUFFERED": "1",
        }
        self.env = {**env, **settings}
        self.postgres_database: str | None = None

    @classmethod
    def production(
        cls, root: Path, port: int | None = None, *, app_server: str = "daphne", **settings: str
    ) -> "LiveServer":
        """DEBUG off; PostgreSQL (a database of its own) and Redis when the run has them."""
        server = cls(root, port, app_server=app_server, DEBUG="false",
                     SECRET_KEY=secrets.token_urlsafe(40), **settings)
        if url := postgres_url():
            server.postgres_database = f"live_{os.getpid()}_{server.port}"
            base = environ.Env.db_url_config(url)
            server.env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + server.postgres_database
            server._postgres_admin = dict(
                host=base["HOST"], port=base["PORT"] or 5432, user=base["USER"],
                password=base["PASSWORD"], dbname="postgres", autocommit=True,
            )
        if redis := os.environ.get("REDIS_URL"):
            server.env["REDIS_URL"] = redis
        return server

    def manage(self, *args: str) -> str:
        """Run a manage.py command against this server's database and media."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR, env=self.env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def create(self):
        self.root.mkdir(parents=True, exist_ok=True)
        if self.postgres_database:
            self._postgres(f'CREATE DATABASE "{self.postgres_database}"')
        self.manage("migrate", "--noinput", "-v", "0")
        if not self.postgres_database:
            shutil.copyfile(self.database, self.pristine)

    def destroy(self):
        if self.postgres_database:
            self._postgres(f'DROP DATABASE IF EXISTS "{self.postgres_database}" WITH (FORCE)')

    def _postgres(self, statement: str):
        with psycopg.connect(**self._postgres_admin) as admin:
            admin.execute(statement)

    def start(self):
        assert self.process is None, "already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                COMMANDS[self.app_server](self.port),
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.app_server} exited at start:\n{self.log.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.app_server} did not answer /healthz in {START_TIMEOUT} s")

    def stop(self):
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    def reset(self):
        """Start over from an empty gallery (a freshly migrated SQLite database)."""
        assert not self.postgres_database, "reset() is for the SQLite shape"
        self.stop()
        for path in self.root.glob("db.sqlite3*"):
            path.unlink()
        shutil.copyfile(self.pristine, self.database)
        shutil.rmtree(self.media, ignore_errors=True)
        self.start()

    def __enter__(self):
        self.create()
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        self.destroy()
