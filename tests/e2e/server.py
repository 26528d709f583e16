"""A real Live Gallery server for the browser tests and `make screenshots`.

daphne runs in its own process, as `make run` starts it, with DEBUG on, its
own SQLite file and media folder, and the in-memory channel layer (so events
from other test runs sharing a Redis server cannot reach its pages). It can
be stopped and started again on the same port and database, as an operator
restarting the service would.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    def __init__(self, root: Path, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = root / "db.sqlite3"
        self.pristine = root / "pristine.sqlite3"
        self.media = root / "media"
        self.log = root / "daphne.log"
        self.process: subprocess.Popen | None = None
        env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "MEDIA_ROOT": str(self.media),
            "LOG_LEVEL": "WARNING",
            "UPLOAD_RATE_LIMIT": "",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("REDIS_URL", None)
        self.env = env

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
        self.manage("migrate", "--noinput", "-v", "0")
        shutil.copyfile(self.database, self.pristine)

    def start(self):
        assert self.process is None, "already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN_DIR / "daphne"), "--bind", "127.0.0.1", "--port", str(self.port),
                 "--verbosity", "0", "core.asgi:application"],
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"daphne did not answer /healthz in {START_TIMEOUT} s")

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
        """Start over from an empty gallery (a freshly migrated database)."""
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
