"""`make bench`: Live Gallery's benchmark suite (issue 7), about 8 minutes.

    .venv/bin/python bench/run.py [--only serving,fanout] [--runs 3] [--duration 5]

Needs the local PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432, trust auth), nginx and wrk (installed
with apt-get when missing and running as root), envsubst, and redis-server
for a private Redis (else --redis-url). Everything it starts lives in a
temporary folder and in throwaway databases `lg_bench_<pid>*`, removed at the
end, also after a failure or Ctrl-C. Results go to bench/results/ as JSON
(git-ignored) and are rendered into docs/performance.md.

Sections (each a module of this folder): serving, throughput, previews, thumbnails,
scale, fanout, memory (live_memory.py), uploads, resumable, pool, s3 (objectstore.py).
`bench/plots.py` draws the figures of docs/performance/ from the same results.
A section that fails is reported as such; the others still run.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout  # noqa: E402
import live_memory  # noqa: E402
import media  # noqa: E402
import nginx  # noqa: E402
import objectstore  # noqa: E402
import plots  # noqa: E402
import pool  # noqa: E402
import previews  # noqa: E402
import psycopg  # noqa: E402
import report  # noqa: E402
import resumable  # noqa: E402
import scale  # noqa: E402
import serving  # noqa: E402
import throughput  # noqa: E402
import thumbnails  # noqa: E402
import uploads  # noqa: E402
from lib import (  # noqa: E402
    ROOT,
    Daphne,
    DjangoHelper,
    Processes,
    Tier,
    free_port,
    wait_until,
)

SECTIONS = {
    "serving": serving.run,
    "throughput": throughput.run,
    "previews": previews.run,
    "thumbnails": thumbnails.run,
    "scale": scale.run,
    "fanout": fanout.run,
    "memory": live_memory.run,
    "uploads": uploads.run,
    "resumable": resumable.run,
    "pool": pool.run,
    "s3": objectstore.run,
}
RESULTS = Path(__file__).resolve().parent / "results"
DOC = ROOT / "docs" / "performance.md"
PACKAGES = (
    "django",
    "channels",
    "daphne",
    "granian",
    "uvicorn",
    "twisted",
    "channels-redis",
    "redis",
    "psycopg",
    "psycopg-pool",
    "pillow",
    "websockets",
)
APT_PACKAGES = {
    "nginx": "nginx-light",
    "wrk": "wrk",
    "envsubst": "gettext-base",
    "vipsthumbnail": "libvips-tools",
}


class Bench:
    """What the sections share: settings, folders, databases and their processes."""

    def __init__(self, args, work: Path, procs: Processes, databases: dict, redis_url: str):
        self.args = args
        self.work = work
        self.procs = procs
        self.databases = databases
        self.admin_url = f"{args.database_url}/postgres"
        self.redis_url = redis_url
        self.media_root = work / "media"
        self.static_root = work / "static"
        self.runs, self.duration = args.runs, args.duration
        self.requests, self.events, self.subscribers = args.requests, args.events, args.subscribers
        self.max_upload = 20 * 1024 * 1024
        self.settings = {"GALLERY_PAGE_SIZE": 24, "API_PAGE_SIZE": 50}
        self.servers = []  # stopped when the current section ends

    def env(self, **overrides) -> dict:
        base = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "k" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.databases["main"],
            "DATABASE_POOL_SIZE": "10",
            "REDIS_URL": "",
            "MEDIA_ROOT": str(self.media_root),
            "STATIC_ROOT": str(self.static_root),
            "SERVE_STATIC": "true",
            "TRUST_PROXY_HEADERS": "false",
            "MAX_UPLOAD_SIZE": str(self.max_upload),
            "UPLOAD_RATE_LIMIT": "",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "console",
        }
        return {**base, **overrides}

    def daphne(self, name: str, **settings) -> Daphne:
        server = Daphne(self.procs, name, self.env(**settings))
        self.servers.append(server)
        return server

    def tier(self, name: str, tier: str, workers: int = 1, **settings) -> Tier:
        """A tier of the compose stack: "http" (app) or "live"."""
        server = Tier(self.procs, name, self.env(**settings), tier, workers)
        self.servers.append(server)
        return server

    def helper(self, name: str, **settings) -> DjangoHelper:
        env = self.env(**settings)
        env["ALLOWED_HOSTS"] += ",testserver"
        helper = DjangoHelper(self.procs, name, env)
        self.servers.append(helper)
        return helper

    def end_section(self):
        while self.servers:
            self.servers.pop().stop()


# --- set-up -------------------------------------------------------------------


def found_tools() -> dict:
    return {
        name: nginx.binary() if name == "nginx" else shutil.which(name) for name in APT_PACKAGES
    }


def tools(install: bool) -> dict:
    found = found_tools()
    missing = [APT_PACKAGES[name] for name, path in found.items() if path is None]
    if missing and install and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"bench: installing {' '.join(missing)} with apt-get", flush=True)
        command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
        quiet = {
            "stdout": subprocess.DEVNULL,
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        }
        if subprocess.run(command, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], **quiet)
            subprocess.run(command, **quiet)
        found = found_tools()
    for name, path in found.items():
        if path is None:
            print(
                f"bench: {name} is missing (apt-get install {APT_PACKAGES[name]}); "
                "the sections that need it are skipped",
                file=sys.stderr,
                flush=True,
            )
    return found


def create_databases(stack: ExitStack, base_url: str, env: dict) -> dict:
    """A migrated database, and copies of it for the scale section."""
    prefix = f"lg_bench_{os.getpid()}"
    names = {"main": prefix, "scale_empty": f"{prefix}_empty", "scale_10k": f"{prefix}_10k"}
    admin = f"{base_url}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{prefix}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names.values():
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    urls = {key: f"{base_url}/{name}" for key, name in names.items()}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": urls["main"]},
        check=True,
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        for key in ("scale_empty", "scale_10k"):
            connection.execute(f'CREATE DATABASE "{names[key]}" TEMPLATE "{prefix}"')
    return urls


def private_redis(procs: Processes, work: Path) -> str | None:
    """A redis-server of our own: pub/sub channels ignore database numbers, so a
    shared Redis would carry our events to other programs, and theirs to us."""
    if not shutil.which("redis-server"):
        return None
    port = free_port()
    procs.start(
        "redis",
        [
            "redis-server",
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            work,
        ],
    )
    wait_until(
        lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True,
        "redis-server",
    )
    return f"redis://127.0.0.1:{port}/0"


def raise_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(wanted, 65536)), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- the machine ----------------------------------------------------------------


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "missing"
    return (
        (done.stdout + done.stderr).strip().splitlines()[0]
        if (done.stdout + done.stderr).strip()
        else "?"
    )


def machine(found: dict, database_url: str, redis_url: str | None) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    os_name = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in Path("/etc/os-release").read_text().splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "missing"
    versions["nginx"] = first_line([found["nginx"], "-v"]) if found["nginx"] else "missing"
    versions["wrk"] = first_line(["wrk", "-v"]) if found["wrk"] else "missing"
    versions["libvips"] = (
        first_line([found["vipsthumbnail"], "--version"]) if found["vipsthumbnail"] else "missing"
    )
    with psycopg.connect(f"{database_url}/postgres") as connection:
        versions["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    versions["redis-server"] = first_line(["redis-server", "--version"]) if redis_url else "missing"
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gib": round(memory_gib, 1),
        "os": os_name,
        "kernel": platform.release(),
        "versions": versions,
    }


# --- main -------------------------------------------------------------------------


def needs(section: str, found: dict) -> list[str]:
    wanted = {
        "serving": ["nginx", "wrk", "envsubst"],
        "throughput": ["nginx", "wrk", "envsubst"],
        "pool": ["wrk"],
        "s3": ["nginx", "wrk", "envsubst"],
        "previews": ["vipsthumbnail"],
    }.get(section, [])
    return [tool for tool in wanted if found.get(tool) is None]


def save(results: dict):
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, default=str)
    (RESULTS / f"{results['id']}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)


@contextmanager
def prepared(args, found: dict, results: dict):
    """Folders, Redis, databases and test images; everything undone on the way out."""
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
        work.chmod(0o755)  # nginx workers read media from here
        if args.keep_work:
            print(f"bench: work folder {work}", flush=True)
        else:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        procs = Processes(work / "logs")
        stack.callback(procs.stop_all)
        redis_url = args.redis_url or private_redis(procs, work)
        results["redis"] = "given" if args.redis_url else ("private" if redis_url else "shared")
        redis_url = redis_url or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        results["machine"] = machine(found, args.database_url, redis_url)
        base_env = Bench(args, work, procs, {"main": ""}, redis_url).env()
        databases = create_databases(stack, args.database_url, base_env)
        stack.callback(procs.stop_all)  # again: before the databases are dropped
        bench = Bench(args, work, procs, databases, redis_url)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=bench.env(),
            check=True,
        )
        step = time.monotonic()
        media.gallery_photos(thumbnails.PAGE)
        uploads.files(bench)
        media.png_near(500_000, 640, 800)
        media.camera_jpeg()
        media.large_png()
        for frames in (1, 50, 1000):
            media.animated_gif(frames)
        results["timings_s"]["test images"] = round(time.monotonic() - step, 1)
        yield bench


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated sections (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="alternating wrk runs per arm")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per URL (scale)")
    parser.add_argument(
        "--events", type=int, default=30, help="measured uploads per fan-out scenario"
    )
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server (no database name); throwaway databases are made there",
    )
    parser.add_argument("--redis-url", help="use this Redis instead of a private redis-server")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install")
    parser.add_argument(
        "--no-doc", action="store_true", help=f"do not rewrite {DOC.relative_to(ROOT)}"
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    if unknown := set(chosen) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    args.sections = chosen
    return args


def main():
    args = arguments()
    chosen = args.sections

    # Ctrl-C and `kill` unwind through the ExitStack: processes, databases, folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    files = raise_file_limit()
    found = tools(install=not args.no_install)
    results = {
        "id": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "options": {k: v for k, v in vars(args).items() if k not in ("database_url", "sections")},
        "open_files_limit": files,
        "sections": {},
        "errors": {},
        "skipped": {},
        "timings_s": {},
        "load_average": {"start": os.getloadavg()[0]},
    }
    with prepared(args, found, results) as bench:
        results["timings_s"]["setup"] = round(time.monotonic() - started, 1)
        for name in chosen:
            if missing := needs(name, found):
                results["skipped"][name] = f"missing: {', '.join(missing)}"
                continue
            print(f"bench: {name} …", flush=True)
            results["load_average"][name] = os.getloadavg()[0]
            step = time.monotonic()
            try:
                results["sections"][name] = SECTIONS[name](bench)
            except Exception:
                results["errors"][name] = traceback.format_exc()
                print(results["errors"][name], file=sys.stderr, flush=True)
            finally:
                bench.end_section()
            results["timings_s"][name] = round(time.monotonic() - step, 1)
            save(results)
        results["load_average"]["end"] = os.getloadavg()[0]
    results["timings_s"]["total"] = round(time.monotonic() - started, 1)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    save(results)
    print(report.summary(results), flush=True)
    if not args.no_doc:
        DOC.write_text(report.render(results))
        print(f"bench: wrote {DOC.relative_to(ROOT)}", flush=True)
        for figure in plots.draw(results):
            print(f"bench: drew {figure.relative_to(ROOT)}", flush=True)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
