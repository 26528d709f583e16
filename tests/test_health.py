"""/healthz and /readyz, and what clients see when the database is down."""

import copy

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


async def test_readyz_is_200_when_database_and_channel_layer_answer(async_client):
    response = await async_client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "channel_layer": True}


async def test_readyz_is_503_when_redis_is_unreachable(async_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = await async_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] is False


@pytest.fixture
def database_down(settings):
    """Point the default connection at a database that does not exist."""
    original = copy.deepcopy(connection.settings_dict)
    _reset(connection)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/live-gallery.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
        if pool := connection.settings_dict["OPTIONS"].get("pool"):
            pool["timeout"] = 1  # how long a request waits for a connection
    yield
    _reset(connection)
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


def _reset(connection):
    """Forget the current connection and any pool built with the old settings."""
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()


async def test_readyz_is_503_when_the_database_is_down(async_client, database_down):
    response = await async_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


def test_api_answers_503_json_when_the_database_is_down(client, database_down):
    response = client.get("/api/images/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"


def test_pages_answer_a_503_page_when_the_database_is_down(client, database_down):
    response = client.get("/")

    assert response.status_code == 503
    assert "The database is unavailable" in response.content.decode()
