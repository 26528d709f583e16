"""The PostgreSQL connection pool survives what browsers and crowds do.

From outside: a real daphne on PostgreSQL with a pool of two connections and
a short wait, driven by keep-alive clients. Every request that uses the
database must give its connection back, whatever came before it on the same
connection: a leak shows here as a 503 within a few requests (the pool's wait
runs out), and /readyz turns 503 for good.
"""

import http.client
import json
import threading

import pytest

from tests.corpus import png_bytes
from tests.live_server import LiveServer, postgres_url

pytestmark = pytest.mark.skipif(
    postgres_url() is None, reason="the connection pool exists on PostgreSQL only"
)
POOL_SIZE = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("pool")
    settings = {"DATABASE_POOL_SIZE": str(POOL_SIZE), "DATABASE_POOL_TIMEOUT": "2"}
    with LiveServer.production(root, **settings) as server:
        yield server


@pytest.fixture(scope="module")
def image_id(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    boundary = "pool-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + png_bytes() + f"\r\n--{boundary}--\r\n".encode()
    connection.request(
        "POST", "/api/images/", body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    response = connection.getresponse()
    assert response.status == 201, response.read()
    return json.loads(response.read())["id"]


def routes(image_id: int) -> list[str]:
    """One of each kind of request: streamed bytes, pages, the API, probes, a 404."""
    return [
        f"/image/{image_id}",
        "/api/images/",
        f"/image/{image_id}/w320.webp",
        f"/images/{image_id}/",
        "/",
        f"/api/images/{image_id}/",
        "/image/999999",
        "/readyz",
        "/delete/",
        "/healthz",
    ]


def keep_alive_statuses(server, paths: list[str]) -> list[tuple[str, int]]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    statuses = []
    for path in paths:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        statuses.append((path, response.status))
    connection.close()
    return statuses


def expected_status(path: str) -> int:
    return 404 if path == "/image/999999" else 200


def test_bytes_then_api_on_one_keep_alive_connection_never_exhausts_the_pool(server, image_id):
    """The reproduction from the issue: 12 × (/image/<id>, /api/images/)."""
    paths = [f"/image/{image_id}", "/api/images/"] * (6 * POOL_SIZE)
    assert keep_alive_statuses(server, paths) == [(path, 200) for path in paths]


def test_every_route_in_any_order_gives_its_connection_back(server, image_id):
    paths = routes(image_id) * (3 * POOL_SIZE)
    statuses = keep_alive_statuses(server, paths)
    assert statuses == [(path, expected_status(path)) for path in paths]


def test_concurrent_keep_alive_clients_leave_the_pool_whole(server, image_id):
    results: list[list[tuple[str, int]]] = []

    def client(offset: int):
        mine = routes(image_id)[offset:] + routes(image_id)[:offset]
        results.append(keep_alive_statuses(server, mine * 4))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [(path, status) for result in results for path, status in result
                if status != expected_status(path)]
    assert failures == []
    # Afterwards every pooled connection is free again: readiness answers
    # at once, many times over (more than the pool holds).
    after = keep_alive_statuses(server, ["/readyz", "/api/images/"] * (2 * POOL_SIZE))
    assert {status for _, status in after} == {200}
