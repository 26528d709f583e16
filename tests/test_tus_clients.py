"""Resumable uploads from outside: tuspy (tus's own Python client) against real servers.

Each server runs in the production shape (PostgreSQL and Redis when the run
has them, SQLite otherwise; tests.live_server), once as daphne (`make run`:
the body arrives whole before the app sees it) and once as granian (the
compose stack's HTTP tier: the app reads the body from the socket). Two of
them on one database and one media store are two replicas: an upload may
take turns between them, and racing PATCHes to both cannot corrupt it.
One test keeps the media on moto's S3 server.
"""

import json
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import requests
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.storage.filestorage import FileStorage

from tests import s3
from tests.live_server import LiveServer
from tests.tus import CHUNK_TYPE, TUS, noise_png

CHUNK = 64 * 1024


@pytest.fixture(scope="module", params=["daphne", "granian"])
def server(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("tus-a")
    with LiveServer.production(
        root, app_server=request.param, UPLOAD_CHUNK_SIZE=str(CHUNK)
    ) as server:
        yield server


@pytest.fixture(scope="module")
def replica(server, tmp_path_factory):
    """A second app process on the first one's database, media and Redis."""
    root = tmp_path_factory.mktemp("tus-b")
    replica = LiveServer(root, app_server=server.app_server)
    replica.env = {**server.env, "UPLOAD_TEMP_DIR": str(root / "tmp")}
    replica.start()
    yield replica
    replica.stop()


def uploader(server, data: bytes | None = None, **options):
    """tuspy's uploader for `data` (or for the file at `file_path=`)."""
    client = tus_client.TusClient(f"{server.url}/api/uploads/")
    options.setdefault("chunk_size", CHUNK)
    if data is not None:
        options["file_stream"] = BytesIO(data)
    return client.uploader(**options)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def image_of(server, last_response_headers) -> tuple[dict, bytes]:
    """The image an upload became: its API object and its stored bytes."""
    api = json.loads(fetch(last_response_headers["image-url"]))
    return api, fetch(f"{server.url}/image/{api['id']}")


def test_tuspy_uploads_a_picture_chunk_by_chunk(server):
    data = noise_png(300, 200)
    assert len(data) > 2 * CHUNK
    upload = uploader(server, data, metadata={"filename": "Noise at dusk.png"})

    upload.upload()

    headers = upload.request.response_headers
    api, stored = image_of(server, headers)
    assert api["name"] == "Noise at dusk.png"
    assert headers["image-id"] == str(api["id"])
    assert stored == data
    deleted = requests.delete(
        headers["image-url"], headers={"Authorization": f"Bearer {headers['image-delete-token']}"}
    )
    assert deleted.status_code == 204


def test_an_interrupted_upload_is_resumed_by_a_new_client_from_the_stored_url(server, tmp_path):
    data = noise_png(300, 200, seed=2)
    picture = tmp_path / "noise.png"
    picture.write_bytes(data)
    urls = FileStorage(str(tmp_path / "tus-urls.json"))
    first = uploader(server, file_path=str(picture), store_url=True, url_storage=urls)
    first.upload(stop_at=2 * CHUNK)  # the client goes away after two chunks
    server.restart()  # and the server is restarted meanwhile

    second = uploader(server, file_path=str(picture), store_url=True, url_storage=urls)

    assert second.url == first.url
    assert second.offset == 2 * CHUNK  # asked with HEAD: nothing is sent again
    second.upload()
    assert image_of(server, second.request.response_headers)[1] == data


def test_a_chunk_cut_off_mid_body_stores_nothing_and_is_sent_again(server):
    data = noise_png(300, 200, seed=8)
    upload = uploader(server, data)
    upload.upload(stop_at=CHUNK)
    stored = sorted((server.media / "partial").iterdir())
    head = (f"PATCH {urlsplit(upload.url).path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {CHUNK}\r\n"
            f"Content-Type: {CHUNK_TYPE}\r\nContent-Length: {CHUNK}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head.encode() + data[CHUNK:CHUNK + CHUNK // 2])
        time.sleep(0.3)  # the connection drops half-way through the chunk

    assert upload.get_offset() == CHUNK
    # granian hands the view what arrived; the view may still be removing it.
    deadline = time.monotonic() + 5
    while sorted((server.media / "partial").iterdir()) != stored and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted((server.media / "partial").iterdir()) == stored
    upload.upload()
    assert image_of(server, upload.request.response_headers)[1] == data


def test_a_chunk_at_a_wrong_offset_is_refused_with_409(server):
    data = noise_png(300, 200, seed=3)
    upload = uploader(server, data)
    upload.upload(stop_at=CHUNK)
    upload.offset = 0  # as if the client had lost track

    with pytest.raises(TusUploadFailed) as refused:
        upload.upload_chunk()

    assert refused.value.status_code == 409
    assert upload.get_offset() == CHUNK


def test_a_terminated_upload_is_gone(server):
    data = noise_png(300, 200, seed=4)
    upload = uploader(server, data)
    upload.upload(stop_at=CHUNK)

    # tuspy has no call for termination; it is one DELETE.
    assert requests.delete(upload.url, headers=TUS).status_code == 204

    with pytest.raises(TusCommunicationError) as gone:
        upload.get_offset()
    assert gone.value.status_code == 404


def test_a_refused_file_ends_with_the_one_shot_uploads_error(server):
    data = b"not a picture at all, " * 5000
    upload = uploader(server, data)

    with pytest.raises(TusUploadFailed) as refused:
        upload.upload()

    assert refused.value.status_code == 415
    assert b'"unsupported_image"' in refused.value.response_content


def test_an_upload_may_take_turns_between_replicas(server, replica):
    data = noise_png(300, 200, seed=5)
    on_a = uploader(server, data)
    on_a.upload(stop_at=CHUNK)
    on_b = uploader(replica, data, url=on_a.url.replace(server.url, replica.url))

    assert on_b.offset == CHUNK
    on_b.upload(stop_at=2 * CHUNK)
    on_a.offset = on_a.get_offset()
    on_a.upload()
    assert image_of(server, on_a.request.response_headers)[1] == data


def send(request):
    method, url, headers, body = request
    return requests.request(method, url, headers=headers, data=body, timeout=60)


def race(requests_to_send):
    """Send every (method, url, headers, body) at the same moment; the responses."""
    start = threading.Barrier(len(requests_to_send))

    def at_once(request):
        start.wait()
        return send(request)

    with ThreadPoolExecutor(len(requests_to_send)) as pool:
        return list(pool.map(at_once, requests_to_send))


def patch(url, offset, body):
    headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": CHUNK_TYPE}
    return ("PATCH", url, headers, body)


def test_racing_patches_through_two_replicas_cannot_corrupt_an_upload(server, replica):
    # Six pictures of exactly one length, each racing to be the upload's bytes.
    pictures = [noise_png(300, 200, seed=n, compress_level=0) for n in range(6)]
    length = len(pictures[0])
    assert {len(p) for p in pictures} == {length} and length > 2 * CHUNK
    created = requests.post(
        f"{server.url}/api/uploads/", headers={**TUS, "Upload-Length": str(length)}
    )
    url = created.headers["Location"]
    on = [url, url.replace(server.url, replica.url)]

    first = race([patch(on[n % 2], 0, p[:CHUNK]) for n, p in enumerate(pictures)])

    statuses = sorted(r.status_code for r in first)
    assert statuses == [204] + [409] * 5, statuses
    winner = pictures[[r.status_code for r in first].index(204)]
    end = length - 1000
    for offset in range(CHUNK, end, CHUNK):
        piece = winner[offset:min(offset + CHUNK, end)]
        assert send(patch(on[offset // CHUNK % 2], offset, piece)).status_code == 204
    last = race([patch(on[n % 2], end, winner[end:]) for n in range(4)])
    assert [r.status_code for r in last].count(204) == 1, [r.status_code for r in last]
    assert all(r.status_code in (204, 409, 423) for r in last)
    done = next(r for r in last if r.status_code == 204)
    assert image_of(server, {"image-url": done.headers["Image-Url"]})[1] == winner


def test_tuspy_uploads_onto_s3(tmp_path_factory, moto_server, s3_bucket):
    root = tmp_path_factory.mktemp("tus-s3")
    settings = {**s3.environment(s3_bucket, moto_server.url), "UPLOAD_CHUNK_SIZE": str(CHUNK)}
    bucket = s3.client(moto_server.url)
    data = noise_png(300, 200, seed=6)
    with LiveServer.production(root, **settings) as server:
        upload = uploader(server, data, metadata={"filename": "on-s3.png"})
        upload.upload(stop_at=2 * CHUNK)
        parts = [o["Key"] for o in bucket.list_objects_v2(Bucket=s3_bucket)["Contents"]]
        assert len(parts) == 2 and all(key.startswith("partial/") for key in parts)

        upload.upload()

        api, stored = image_of(server, upload.request.response_headers)
        keys = sorted(o["Key"] for o in bucket.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert stored == data
    assert keys == sorted(
        [f"images/{api['id']}.png", f"images/{api['id']}.w320.webp",
         f"images/{api['id']}.w640.webp"]
    )


def test_a_partial_upload_left_alone_disappears_after_its_expiry(tmp_path_factory):
    root = tmp_path_factory.mktemp("tus-expiry")
    settings = {"UPLOAD_CHUNK_SIZE": str(CHUNK), "UPLOAD_EXPIRY": "2",
                "EXPIRY_SWEEP_SECONDS": "0.5"}
    with LiveServer.production(root, **settings) as server:
        upload = uploader(server, noise_png(300, 200, seed=7))
        upload.upload(stop_at=CHUNK)
        partial = server.media / "partial"
        assert len(list(partial.iterdir())) == 1

        deadline = time.monotonic() + 30
        while any(partial.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.2)

        assert not any(partial.iterdir())  # its bytes are gone from the store
        with pytest.raises(TusCommunicationError) as gone:
            upload.get_offset()
        assert gone.value.status_code == 404  # and so is the upload itself
