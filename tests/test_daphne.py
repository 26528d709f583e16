"""What core.daphne's patch relies on, pinned against the installed daphne and Twisted.

`make run` (one process, HTTP and WebSockets) is served by daphne, built on
Twisted's `http.Request`, which would parse every multipart body on the event
loop before daphne passes the raw body on. core.daphne makes daphne create its
requests with Twisted's `parsePOSTFormSubmission=False`. It relies on
daphne's `WebRequest` passing its keyword arguments to Twisted's `Request`,
and on Twisted honouring the flag; if an upgrade breaks either, these fail.
(The compose stack's tiers run on granian and need no patch.)
"""

import http.client
import json

import pytest

from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def daphne_server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("daphne")) as server:
        yield server


def test_a_multipart_body_twisted_cannot_parse_still_reaches_the_app(daphne_server):
    # No boundary: Twisted's own parser would refuse it with a bare 400 and
    # hang up; with its parsing off the app answers with its JSON error.
    connection = http.client.HTTPConnection("127.0.0.1", daphne_server.port, timeout=10)
    try:
        connection.request(
            "POST", "/api/images/", b"not multipart at all",
            {"Content-Type": "multipart/form-data"},
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()

    assert response.status == 400
    assert "error" in json.loads(body), body

