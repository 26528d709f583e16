"""A gallery of 10,000 images: every page in the same, small number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from images.models import Image

pytestmark = pytest.mark.django_db

COUNT = 10_000


@pytest.fixture
def ten_thousand_images():
    now = timezone.now()
    Image.objects.bulk_create(
        Image(
            name=f"{n}.png", path=f"images/{n + 1}.png", size=100, date=now,
            content_type="image/png", width=8, height=8, sha256="0" * 64,
            delete_token_digest="0" * 64,
        )
        for n in range(COUNT)
    )


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("path", "page_size_setting"),
    [("/", "GALLERY_PAGE_SIZE"), ("/api/images/", "API_PAGE_SIZE")],
    ids=["gallery", "api"],
)
def test_first_and_last_pages_take_the_same_few_queries(
    client, ten_thousand_images, settings, path, page_size_setting
):
    last = -(-COUNT // getattr(settings, page_size_setting))

    first_page = queries_for(client, path)
    last_page = queries_for(client, f"{path}?page={last}")

    assert first_page == last_page <= 3
