"""The fault drill's quick scenarios, from outside (tests/drill.py).

A real server in the production shape reaches PostgreSQL and Redis through
proxies of the test's own, which cut and restore them; it is killed with
SIGKILL mid-upload and restarted; its media folder sits on a tiny real file
system. `make drill` runs the same scenarios longer, for docs/reliability.md.
"""

import os

import pytest

from tests import drill
from tests.live_server import postgres_url

pytestmark = pytest.mark.drill
needs_postgres = pytest.mark.skipif(
    postgres_url() is None, reason="cuts the connection to PostgreSQL (DATABASE_URL)"
)
needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="cuts the connection to Redis (REDIS_URL)"
)


def server_errors(result: dict, phases=drill.PHASES) -> dict:
    """Answers that were 5xx other than 503, or no answer at all, by phase."""
    return {phase: {status: n for status, n in drill.status_counts(result["answers"], phase)
                    .items() if status == 0 or (status >= 500 and status != 503)}
            for phase in phases}


@needs_postgres
def test_the_first_requests_after_postgresql_returns_succeed(tmp_path):
    with drill.server_behind_proxies(tmp_path) as (server, postgres, _):
        result = drill.quiet_outage(server, postgres)

    assert result["first_in_order"] == [200] * len(result["first_in_order"])
    assert result["unexpected"] == []


@needs_postgres
def test_a_postgresql_outage_is_503_and_nothing_committed_is_lost(tmp_path):
    with drill.server_behind_proxies(tmp_path) as (server, postgres, _):
        result = drill.outage(server, postgres, before=2, during=6, after=4, listeners=5)

    assert drill.status_counts(result["answers"], "during")[503] > 0
    assert server_errors(result) == {phase: {} for phase in drill.PHASES}
    assert drill.status_counts(result["answers"], "after")[503] == 0
    assert result["ready_again_s"] is not None
    assert result["events"] == []
    assert result["storage"] == []


@needs_redis
def test_a_redis_outage_keeps_the_gallery_up_and_live_updates_resume(tmp_path):
    with drill.server_behind_proxies(tmp_path) as (server, _, redis):
        result = drill.outage(server, redis, before=2, during=5, after=5, listeners=5)

    during = drill.status_counts(result["answers"], "during")
    assert during[201] > 0  # uploads go on; only their live events are lost
    assert set(result["answers"]["during"]["readyz"]) == {"503"} or during[503] > 0
    assert server_errors(result) == {phase: {} for phase in drill.PHASES}
    assert result["websocket_connect_during"] != "HTTP 500"
    assert result["dropped"] == []
    assert result["events_after_restore"]["findings"] == []
    assert result["events_after_restore"]["later"] > 0
    assert result["storage"] == []


def test_kill_9_mid_upload_loses_nothing_committed_and_leaves_nothing_after_reconcile(
    tmp_path,
):
    with drill.server_behind_proxies(tmp_path) as (server, _, _):
        result = drill.kill_mid_upload(server)

    assert result["answers"].get(0, 0) > 0  # the kill cut uploads off
    assert result["lost"] == []
    assert result["listed_but_not_whole"] == []
    assert result["storage_after_fix"] == []
    assert result["temp_after_fix"] == []


def test_a_full_media_disk_is_507_and_the_service_goes_on_once_space_is_freed(tmp_path):
    with drill.small_disk(tmp_path / "disk") as disk:
        if disk is None:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        settings = {"MEDIA_ROOT": str(disk / "media")}
        with drill.server_behind_proxies(tmp_path, **settings) as (server, _, _):
            result = drill.full_disk(server)

    assert result["fill_statuses"][507] == 1
    assert result["uploads_before_full"] > 0
    assert result["while_full"] == {
        "small upload": result["while_full"]["small upload"],
        "spooled upload": 507, "gallery page": 200, "API list": 200, "readyz": 200,
    }
    assert result["while_full"]["small upload"] in (201, 507)
    assert result["storage_when_full"] == []
    assert set(result["freed"]) == {204}
    assert result["upload_after_freeing"] == 201
    assert result["storage_after"] == []
    assert result["unexpected"] == []
