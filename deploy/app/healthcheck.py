"""Container health check for the app image (the slim image has no curl).

GET http://127.0.0.1:$PORT/healthz (or the path given as argv[1]) and exit 0
on HTTP 200, 1 otherwise. The Host header is the first concrete entry of
ALLOWED_HOSTS, so the check passes Django's host validation whatever
ALLOWED_HOSTS says (a leading-dot entry ".example.com" gives "example.com";
"*" or nothing gives "localhost").
"""

import http.client
import os
import sys


def host_header() -> str:
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip().lstrip(".")
        if entry and "*" not in entry:
            return entry
    return "localhost"


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
    port = int(os.environ.get("PORT", "8000"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        conn.request("GET", path, headers={"Host": host_header()})
        status = conn.getresponse().status
    except OSError as exc:
        print(f"healthcheck: {path}: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if status != 200:
        print(f"healthcheck: {path}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
