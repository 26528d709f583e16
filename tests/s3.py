"""A real S3 server for tests: moto's standalone server in its own process.

`MotoServer` starts `moto_server` (pip install "moto[server]") on a free port:
it speaks the S3 HTTP protocol like any S3-compatible service, so the app's
boto3 code runs unchanged against it; nothing is mocked inside the test
process. Each test gets a bucket of its own.

`FaultyS3` sits between the app and that server, as a network that can fail
would: it forwards every request and records it, and on demand refuses some
with an S3 error (the server says no) or drops the connection half-way
through the request body (the server became unreachable mid-upload).
"""

import ctypes
import http.client
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from tests.live_server import free_port

START_TIMEOUT = 30
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}
REGION = "us-east-1"


def _die_with_parent():
    """Runs in the child before exec: SIGTERM when the test run dies, even by
    SIGKILL or a timeout, so no server outlives it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class MotoServer:
    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "moto_server"),
                 "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited at start:\n{self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer in {START_TIMEOUT} s")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def client(endpoint: str):
    """A plain boto3 client, for tests to look into a bucket behind the app's back."""
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        **CREDENTIALS,
    )


def storage_settings(bucket: str, endpoint: str, prefix: str = "") -> dict:
    """STORAGES["default"] as core.settings builds it from S3_* variables."""
    return {
        "BACKEND": "images.storage.S3MediaStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            "location": prefix,
        },
    }


def environment(bucket: str, endpoint: str) -> dict[str, str]:
    """The S3_* settings for a server process (tests.live_server)."""
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
    }


@dataclass
class Rule:
    method: str
    key: re.Pattern
    action: str  # "refuse" or "drop"
    status: int = 503
    code: str = "ServiceUnavailable"


HOP_BY_HOP = {"connection", "keep-alive", "expect", "transfer-encoding", "proxy-connection"}
SET_BY_PROXY = {"server", "date", "content-length"}


class FaultyS3:
    """An HTTP proxy in front of an S3 server that fails the requests it is told to."""

    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream)
        self.rules: list[Rule] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_expect_100(self):
                # A refusal comes before the body, as S3 itself answers.
                rule = proxy._rule_for(self)
                if rule is not None and rule.action == "refuse":
                    self.body_withheld = True
                    return True
                return super().handle_expect_100()

            def _any(self):
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def refuse(self, method: str, key: str, status: int = 503, code: str = "ServiceUnavailable"):
        """Answer requests for keys matching `key` with this S3 error."""
        self.rules.append(Rule(method, re.compile(key), "refuse", status, code))

    def drop(self, method: str, key: str = ""):
        """Cut the connection of matching requests half-way through their body."""
        self.rules.append(Rule(method, re.compile(key), "drop"))

    def heal(self):
        self.rules.clear()

    def _rule_for(self, request) -> Rule | None:
        path = urlsplit(request.path).path
        for rule in self.rules:
            if rule.method in (request.command, "*") and rule.key.search(path):
                return rule
        return None

    def _handle(self, request: BaseHTTPRequestHandler):
        with self.lock:
            self.requests.append((request.command, request.path))
        length = int(request.headers.get("Content-Length") or 0)
        rule = self._rule_for(request)
        if rule is not None and rule.action == "drop":
            request.rfile.read(length // 2)
            request.close_connection = True
            request.connection.shutdown(2)
            return
        if rule is not None:
            if not getattr(request, "body_withheld", False):
                request.rfile.read(length)
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{rule.code}</Code>'
                f"<Message>refused by the test</Message></Error>"
            ).encode()
            request.send_response(rule.status)
            request.send_header("Content-Type", "application/xml")
            request.send_header("Content-Length", str(len(body)))
            request.send_header("Connection", "close")
            request.end_headers()
            request.wfile.write(body)
            request.close_connection = True
            return
        body = request.rfile.read(length) if length else None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port)
        try:
            upstream.request(request.command, request.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        request.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP | SET_BY_PROXY:
                request.send_header(name, value)
        length = response.getheader("Content-Length") or str(len(data))
        request.send_header("Content-Length", length)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)
