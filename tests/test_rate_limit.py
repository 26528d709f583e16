"""UPLOAD_RATE_LIMIT: per-client upload limit, 429 with Retry-After."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile

from images.models import Image
from images.ratelimit import Rate, parse_rate
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    """Counters of this test only, without flushing a Redis others may share."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }


def test_uploads_over_the_limit_are_429_with_retry_after(upload, settings):
    settings.UPLOAD_RATE_LIMIT = "2/h"

    statuses = [upload(png_bytes()).status_code for _ in range(3)]
    refused = upload(png_bytes())

    assert statuses == [201, 201, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 3601
    assert Image.objects.count() == 2


def test_the_limit_is_per_client(upload, settings):
    settings.UPLOAD_RATE_LIMIT = "1/h"

    first = upload(png_bytes(), environ={"REMOTE_ADDR": "192.0.2.1"})
    other_client = upload(png_bytes(), environ={"REMOTE_ADDR": "192.0.2.2"})
    again = upload(png_bytes(), environ={"REMOTE_ADDR": "192.0.2.1"})

    assert (first.status_code, other_client.status_code, again.status_code) == (201, 201, 429)


def test_behind_the_trusted_proxy_the_address_nginx_saw_counts(upload, settings):
    settings.UPLOAD_RATE_LIMIT = "1/h"
    settings.TRUST_PROXY_HEADERS = True

    first = upload(png_bytes(), headers={"x-forwarded-for": "spoofed, 198.51.100.7"})
    spoof_again = upload(png_bytes(), headers={"x-forwarded-for": "other, 198.51.100.7"})

    assert (first.status_code, spoof_again.status_code) == (201, 429)


def test_no_limit_when_unset(upload, settings):
    settings.UPLOAD_RATE_LIMIT = ""

    assert all(upload(png_bytes()).status_code == 201 for _ in range(5))


def test_the_upload_page_answers_429_with_the_message_on_the_form(client, settings):
    settings.UPLOAD_RATE_LIMIT = "1/h"
    files = [SimpleUploadedFile(f"{n}.png", png_bytes()) for n in range(2)]

    response = client.post("/upload/", {"file": files})

    assert response.status_code == 429
    assert "Retry-After" in response
    assert "Too many uploads" in response.content.decode()
    assert Image.objects.count() == 1


@pytest.mark.parametrize(
    ("spec", "rate"),
    [("60/m", Rate(60, 60)), (" 5 / s ", Rate(5, 1)), ("1000/d", Rate(1000, 86400))],
)
def test_rates_are_parsed(spec, rate):
    assert parse_rate(spec) == rate


@pytest.mark.parametrize("spec", ["60", "0/m", "ten/m", "5/week"])
def test_a_malformed_rate_is_a_configuration_error(spec):
    with pytest.raises(ImproperlyConfigured, match="UPLOAD_RATE_LIMIT"):
        parse_rate(spec)
