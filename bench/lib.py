"""What every benchmark section shares: child processes, HTTP, wrk, statistics.

Child processes are owned by one `Processes` object and die with the bench
(stopped in reverse order on the way out, and sent SIGTERM by the kernel if
the bench itself is killed), so a failed or interrupted run leaves nothing
listening.
"""

import ctypes
import http.client
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The production image's command line (Dockerfile), on a local port.
DAPHNE_FLAGS = ("--proxy-headers", "--application-close-timeout", "10", "--verbosity", "0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} was not ready within {seconds:.0f} s")


def _die_with_parent():
    """Runs in the child before exec: SIGTERM when the bench process dies."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Processes:
    """Every child process of the bench, stopped in reverse order by stop_all()."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.children: list[subprocess.Popen] = []

    def start(
        self, name: str, command: list[str], env: dict | None = None, **popen
    ) -> subprocess.Popen:
        popen.setdefault("stdout", open(self.logs / f"{name}.log", "ab"))
        popen.setdefault("stderr", subprocess.STDOUT)
        process = subprocess.Popen(
            [str(part) for part in command], cwd=ROOT, env=env, preexec_fn=_die_with_parent, **popen
        )
        process.bench_name = name
        self.children.append(process)
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 10):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.children:
            self.children.remove(process)

    def stop_all(self):
        for process in reversed(list(self.children)):
            self.stop(process)


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


class Daphne:
    """One daphne process serving core.asgi:application on a free local port."""

    def __init__(self, procs: Processes, name: str, env: dict):
        self.name = name
        self.port = free_port()
        self.process = procs.start(
            name,
            [
                BIN / "daphne",
                "--bind",
                "127.0.0.1",
                "--port",
                self.port,
                *DAPHNE_FLAGS,
                "core.asgi:application",
            ],
            env,
        )
        self.procs = procs
        wait_until(lambda: self._alive() and healthy(self.port), f"daphne {name}", 60)

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"daphne {self.name} exited (see its log under the work folder)")
        return True

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.procs.stop(self.process)


# The live tier's command line (docker-compose.yml, service `live`).
LIVE_FLAGS = (
    "--ws", "websockets-sansio", "--ws-max-size", "65536", "--lifespan", "off",
    "--no-access-log", "--log-level", "warning",
)


class Tier:
    """One tier of the compose stack, as docker-compose.yml runs it, on a free port.

    "http": granian, WSGI (core.wsgi), `workers` processes; "live": uvicorn,
    ASGI (core.asgi). `pid` is the process serving requests (granian's first
    worker).
    """

    def __init__(self, procs: Processes, name: str, env: dict, tier: str, workers: int = 1):
        self.name = name
        self.port = free_port()
        if tier == "http":
            command = [
                BIN / "granian", "--interface", "wsgi", "--no-ws", "--blocking-threads", "8",
                "--host", "127.0.0.1",
                "--port", self.port, "--workers", workers, "--log-level", "warning",
                "core.wsgi:application",
            ]
        else:
            command = [
                BIN / "uvicorn", "--host", "127.0.0.1", "--port", self.port, *LIVE_FLAGS,
                "core.asgi:application",
            ]
        self.process = procs.start(name, command, env)
        self.procs = procs
        wait_until(lambda: self._alive() and healthy(self.port), f"{tier} tier {name}", 60)
        self.workers = children(self.process.pid) if tier == "http" else []

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited (see its log under the work folder)")
        return True

    @property
    def pid(self) -> int:
        return self.workers[0] if self.workers else self.process.pid

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.procs.stop(self.process)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


class DjangoHelper:
    """bench/django_helper.py in a child process: call(op, **arguments) -> answer."""

    def __init__(self, procs: Processes, name: str, env: dict):
        self.procs = procs
        self.process = procs.start(
            name,
            [sys.executable, ROOT / "bench" / "django_helper.py"],
            env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(procs.logs / f"{name}.log", "ab"),
            text=True,
        )

    def call(self, op: str, **arguments):
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(
                f"django_helper died during {op} (see {self.process.bench_name}.log)"
            )
        return json.loads(answer)

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.flush()
        self.procs.stop(self.process)


# --- HTTP -------------------------------------------------------------------


def multipart(data: bytes, filename: str, content_type: str, name: str | None = None):
    """A multipart/form-data body with one `file` part (and `name`): (body, header)."""
    boundary = "bench" + uuid.uuid4().hex
    parts = []
    if name:
        disposition = 'Content-Disposition: form-data; name="name"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{name}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
    )
    parts += [data, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(port: int, data: bytes, filename: str, content_type: str, timeout: float = 120):
    """POST /api/images/ on a fresh connection: (seconds, start monotonic ns, status, json)."""
    body, header = multipart(data, filename, content_type)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.monotonic_ns()
        connection.request(
            "POST",
            "/api/images/",
            body=body,
            headers={"Content-Type": header, "Accept": "application/json"},
        )
        response = connection.getresponse()
        payload = response.read()
        seconds = (time.monotonic_ns() - started) / 1e9
    finally:
        connection.close()
    if response.status != 201:
        raise RuntimeError(f"upload of {filename} answered {response.status}: {payload[:200]!r}")
    return seconds, started, response.status, json.loads(payload)


def get(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    """(status, headers as a lower-case dict, body) on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


class KeepAlive:
    """One persistent connection, timing each request at the client."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def timed_get(self, path: str) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        return seconds

    def close(self):
        self.connection.close()


# --- wrk ----------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, *, threads=2, connections=32, duration=5, headers=()) -> dict:
    """Run wrk once; its figures, and the exact command."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 30
    ).stdout
    result = {"command": " ".join(_quoted(part) for part in command)}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    result["latency_avg_ms"] = _ms(latency.group(1))
    for percent in ("50", "99"):
        match = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.M)
        result[f"latency_p{percent}_ms"] = _ms(match.group(1)) if match else None
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx_3xx"] = int(errors.group(1)) if errors else 0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = sum(map(int, sockets.groups())) if sockets else 0
    return result


def _quoted(part: str) -> str:
    return f"'{part}'" if re.search(r"[\s\"]", part) else part


def alternate(arms: dict, runs: int) -> dict:
    """Run each arm (name -> callable returning a wrk result) in turn, `runs` rounds."""
    results = {name: [] for name in arms}
    for _ in range(runs):
        for name, run in arms.items():
            results[name].append(run())
    return {
        name: {
            "command": runs_[0]["command"],
            "runs": [round(r["rps"], 1) for r in runs_],
            "median_rps": round(statistics.median(r["rps"] for r in runs_), 1),
            "median_latency_avg_ms": round(
                statistics.median(r["latency_avg_ms"] for r in runs_), 2
            ),
            "median_latency_p99_ms": _median_or_none([r["latency_p99_ms"] for r in runs_]),
            "errors": sum(r["non_2xx_3xx"] + r["socket_errors"] for r in runs_),
        }
        for name, runs_ in results.items()
    }


def _median_or_none(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


# --- statistics -----------------------------------------------------------------


def percentile(values, p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 1),
        "p90": round(percentile(ms, 90), 1),
        "p99": round(percentile(ms, 99), 1),
        "min": round(min(ms), 1),
        "max": round(max(ms), 1),
    }


# --- memory ---------------------------------------------------------------------


def proc_status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class RssSampler:
    """Samples a process's VmRSS every few milliseconds in a thread."""

    def __init__(self, pid: int, every: float = 0.005):
        self.pid, self.every = pid, every
        self.peak_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, proc_status_kib(self.pid, "VmRSS"))
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- documents ------------------------------------------------------------------


def rewrite_section(doc: Path, name: str, text: str):
    """Put `text` between the lines `<!-- name: begin -->` and `<!-- name: end -->`
    of `doc`, leaving the hand-written rest of it as it is."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    content = doc.read_text()
    head, found, rest = content.partition(begin)
    if not found or end not in rest:
        raise RuntimeError(f"{doc} has no `{begin}` … `{end}` section")
    doc.write_text(f"{head}{begin}\n{text.strip()}\n{end}{rest.partition(end)[2]}")
