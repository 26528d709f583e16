"""The fault drill's quick scenarios, from outside (tests/drill.py).

A real server in the production shape reaches PostgreSQL and Redis through
proxies of the test's own, which cut and restore them; it is killed with
SIGKILL mid-upload and restarted; its media folder sits on a tiny real file
system. Each scenario's verdict lists what fell short. `make drill` runs the
same scenarios longer and writes them into docs/reliability.md.
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


@needs_postgres
def test_the_first_requests_after_postgresql_returns_succeed(tmp_path):
    with drill.server_behind_proxies(tmp_path) as (server, postgres, _):
        result = drill.quiet_outage(server, postgres)

    assert drill.quiet_outage_verdict(result) == []


@needs_postgres
def test_a_postgresql_outage_is_503_and_nothing_committed_is_lost(tmp_path):
    with drill.server_behind_proxies(tmp_path) as (server, postgres, _):
        result = drill.outage(server, postgres, before=2, during=6, after=4, listeners=5)

    assert drill.outage_verdict(result, "PostgreSQL") == []


@needs_redis
def test_a_redis_outage_keeps_the_gallery_up_and_live_updates_resume(tmp_path):
    with drill.server_behind_proxies(tmp_path) as (server, _, redis):
        result = drill.outage(server, redis, before=2, during=5, after=5, listeners=5)

    assert drill.outage_verdict(result, "Redis") == []


def test_kill_9_mid_upload_loses_nothing_committed_and_leaves_nothing_after_reconcile(
    tmp_path,
):
    with drill.server_behind_proxies(tmp_path) as (server, _, _):
        result = drill.kill_mid_upload(server)

    assert drill.kill_verdict(result) == []


def test_a_full_media_disk_is_507_and_the_service_goes_on_once_space_is_freed(tmp_path):
    with drill.small_disk(tmp_path / "disk") as disk:
        if disk is None:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        settings = {"MEDIA_ROOT": str(disk / "media")}
        with drill.server_behind_proxies(tmp_path, **settings) as (server, _, _):
            result = drill.full_disk(server)

    assert drill.full_disk_verdict(result) == []
