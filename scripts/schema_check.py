"""Schemathesis against a live server, over the whole API description.

    python scripts/schema_check.py [schemathesis options…]

Starts Live Gallery as production runs it (tests/live_server.py: daphne,
DEBUG off, a PostgreSQL database of its own and Redis when DATABASE_URL /
REDIS_URL are set), then runs `schemathesis run` on its /api/schema/ with
the checks for server errors, status codes, content types, headers and
response bodies, and real pictures for uploads (scripts/schemathesis_hooks.py).
Prints Schemathesis' report and how many requests it made; exits non-zero on
any failure.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live_server import BASE_DIR, BIN_DIR, LiveServer  # noqa: E402

# Every check but negative_data_rejection: in a multipart body every field is
# text, so "name: null" arrives as the string "null", a valid display name.
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
])


def main() -> int:
    with tempfile.TemporaryDirectory() as work, LiveServer.production(
        Path(work) / "server", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="ERROR"
    ) as server:
        report = Path(work) / "events.ndjson"
        done = subprocess.run(
            [str(BIN_DIR / "schemathesis"), "run", f"{server.url}/api/schema/",
             "--checks", CHECKS, "--report", "ndjson", "--report-ndjson-path", str(report),
             "--seed", os.environ.get("SCHEMA_CHECK_SEED", "1"), *sys.argv[1:]],
            cwd=BASE_DIR,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "scripts.schemathesis_hooks",
                 "PYTHONPATH": str(BASE_DIR)},
            check=False,
        )
        print(f"requests made by Schemathesis: {requests_in(report)}")
        errors = (server.root / "daphne.log").read_text()
        if errors.strip():
            print("server log (errors):\n" + errors[-3000:])
        return done.returncode


def requests_in(report: Path) -> int:
    """Requests counted from the report: each scenario records one interaction per request."""
    count = 0
    for line in report.read_text().splitlines():
        if finished := json.loads(line).get("ScenarioFinished"):
            count += len(finished["recorder"].get("interactions", {}))
    return count


if __name__ == "__main__":
    sys.exit(main())
