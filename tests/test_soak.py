"""The mixed-traffic soak: a crowd, racing requests and 50 live listeners for 30 s.

From outside, against a real daphne with the settings `make run` and
`.env.example` ship (DEBUG off, the PostgreSQL pool on at its default size,
the Redis channel layer), so it runs on the PostgreSQL + Redis pass only.
The traffic and every check are tests/traffic.py, shared with `make soak`
(docs/reliability.md); each test below asserts one guarantee of that run.
Uploads are not rate-limited here: the crowd is one client address.
"""

import os

import pytest

from tests import traffic
from tests.live_server import LiveServer, postgres_url

pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(
        postgres_url() is None or not os.environ.get("REDIS_URL"),
        reason="the soak runs the production shape: it needs DATABASE_URL on PostgreSQL "
        "and REDIS_URL",
    ),
]
PLAN = traffic.Plan(seconds=30, clients=8, racers=6, listeners=50)


@pytest.fixture(scope="module")
def soak(tmp_path_factory):
    root = tmp_path_factory.mktemp("soak")
    temporary = root / "tmp"
    temporary.mkdir()
    with LiveServer.production(root, TMPDIR=str(temporary)) as server:
        report = traffic.run(server, PLAN)
        findings = traffic.problems(report, server, temporary)
    print(report.figures())
    return report, findings


def test_the_crowd_was_served_and_every_kind_of_request_was_made(soak):
    report, _ = soak
    kinds = report.ledger.statuses
    for kind in ("upload", "page", "image bytes", "preview", "API list", "API item", "delete",
                 "refused delete", "racing upload", "racing delete", "page upload"):
        assert sum(kinds[kind].values()) > 0, kind
    assert report.ledger.race_counts["names"] > 0
    assert report.ledger.race_counts["deletes"] > 0
    assert report.ledger.race_counts["page deletes"] > 0


def test_no_answer_was_a_server_error_or_missing(soak):
    assert soak[1]["server errors"] == []


def test_every_answer_was_the_one_the_contract_promises(soak):
    assert soak[1]["unexpected answers"] == []


def test_racing_uploads_of_one_name_all_succeed_with_distinct_names(soak):
    assert soak[1]["racing names"] == []


def test_racing_deletes_of_one_image_have_exactly_one_winner(soak):
    assert soak[1]["racing deletes"] == []


def test_every_listener_heard_every_committed_change_exactly_once(soak):
    assert soak[1]["live events"] == []


def test_an_image_is_never_missing_before_it_was_deleted(soak):
    assert soak[1]["reads of images never deleted"] == []


def test_storage_holds_exactly_the_files_of_the_rows(soak):
    assert soak[1]["storage"] == []


def test_the_server_logged_no_error(soak):
    assert soak[1]["server log"] == []
