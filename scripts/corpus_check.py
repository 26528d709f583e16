"""Throw the hostile-upload corpus at a running Live Gallery and count outcomes.

    python scripts/corpus_check.py http://127.0.0.1:8000 [--media var/media]

Posts every case of tests/corpus.py and the real HEIC/AVIF cases of
tests/samples.py (plus hostile names and an oversized body) to /api/images/,
checks each answer against the case's expectation, checks that a DELETE
without the token is refused, and, given --media, that the media folder holds
exactly the files of the stored images (original, rendition and
previews). Prints the counts; exits non-zero on any 5xx or mismatch.
Uses only the standard library, so it runs against any deployment.
"""

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.corpus import all_cases, hostile_names, png_bytes  # noqa: E402
from tests.samples import cases as sample_cases  # noqa: E402

PREVIEW = re.compile(r"\.[wa]\d+\.webp$")  # still (w) and animated (a) previews


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(filename: str, data: bytes, name: str | None = None):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + data + b"\r\n"
    ]
    if name is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'.encode()
            + name.encode("utf-8", "surrogatepass") + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(base, filename, data, name=None):
    body, headers = multipart(filename, data, name)
    return request("POST", f"{base}/api/images/", body, headers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--media", type=Path, help="the server's MEDIA_ROOT, to check its files")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    statuses, problems, stored = Counter(), [], []
    for case in all_cases() + sample_cases():
        status, body = upload(base, case.filename, case.data)
        statuses[status] += 1
        code = json.loads(body).get("error", {}).get("code") if status != 201 else None
        if (status, code) != (case.status, case.code):
            problems.append(f"{case.id}: expected {case.status} {case.code}, got {status} {code}")
        if status == 201:
            stored.append(json.loads(body))
    for raw, description in hostile_names():
        safe_filename = "upload.png"  # the hostile name travels in the name field
        status, body = upload(base, safe_filename, png_bytes(), name=raw)
        statuses[status] += 1
        if status != 201:
            problems.append(f"name {description!r}: got {status} {body[:120]!r}")
        else:
            stored.append(json.loads(body))
    oversized = b"\0" * (64 * 1024 * 1024)
    status, _ = upload(base, "huge.png", oversized)
    statuses[status] += 1
    if status != 413:
        problems.append(f"64 MiB body: expected 413, got {status}")

    victim = stored[0]
    status, _ = request("DELETE", f"{base}/api/images/{victim['id']}/")
    wrong, _ = request(
        "DELETE", f"{base}/api/images/{victim['id']}/", headers={"Authorization": "Bearer nope"}
    )
    if (status, wrong) != (403, 403):
        problems.append(f"DELETE without/with a wrong token: {status}, {wrong} (expected 403)")

    if args.media:
        ids = {image["id"] for image in stored}
        expected_originals = {f"images/{image['id']}." for image in stored}
        # A format browsers do not show (HEIC) has a JPEG rendition beside it.
        renditions = sum(image["url"] != image["original_url"] for image in stored)
        files = sorted(str(p.relative_to(args.media)) for p in args.media.rglob("*") if p.is_file())
        previews = [f for f in files if PREVIEW.search(f)]
        originals = [f for f in files if not PREVIEW.search(f)]
        if len(originals) != len(ids) + renditions or not all(
            any(f.startswith(prefix) for f in originals) for prefix in expected_originals
        ):
            problems.append(
                f"media holds {len(originals)} originals and renditions for {len(ids)} images"
            )
        animated = sum(image.get("animated_thumbnail_url") is not None for image in stored)
        if len(previews) > 2 * len(ids) + animated:
            problems.append(f"media holds {len(previews)} previews for {len(ids)} images")
        print(f"media: {len(originals)} originals, {len(previews)} previews, {len(ids)} images")

    for image in stored:  # leave the server as we found it
        request(
            "DELETE", f"{base}/api/images/{image['id']}/",
            headers={"Authorization": f"Bearer {image['delete_token']}"},
        )

    accepted = statuses[201]
    refused = {s: n for s, n in sorted(statuses.items()) if s != 201}
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    print(f"accepted: {accepted}; refused by status: {refused}; 5xx: {server_errors}")
    for problem in problems:
        print("PROBLEM:", problem)
    sys.exit(1 if problems or server_errors else 0)


if __name__ == "__main__":
    main()
