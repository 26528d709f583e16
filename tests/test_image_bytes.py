"""GET and HEAD /image/<id>: the stored bytes, inline, cacheable, conditional.

The tests taking `store` run with the media on disk and on S3: the answers
must be the same.
"""

import pytest

from tests.conftest import body_of
from tests.corpus import gif_bytes, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_serves_the_stored_bytes_inline_with_the_detected_type(client, make_image, store):
    data = gif_bytes(frames=2)
    image = make_image("named-like-a.png", data).image

    response = client.get(f"/image/{image.pk}")

    assert response.status_code == 200
    assert body_of(response) == data
    assert response["Content-Type"] == "image/gif"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{image.sha256}"'


async def test_it_streams_from_an_async_iterator_under_asgi(
    async_client, make_image_async, store
):
    image, data = await make_image_async(png_bytes(width=300, height=300))

    response = await async_client.get(f"/image/{image.pk}")

    assert response.streaming and response.is_async
    assert b"".join([chunk async for chunk in response.streaming_content]) == data


def test_image_bytes_do_not_vary_by_language(client, make_image):
    image = make_image().image

    response = client.get(f"/image/{image.pk}", headers={"accept-language": "ru"})

    assert "Accept-Language" not in response.get("Vary", "")
    assert "Content-Language" not in response
    assert "Accept-Language" in client.get("/", headers={"accept-language": "ru"})["Vary"]


def test_head_gives_the_headers_without_the_body(client, make_image):
    data = png_bytes()
    image = make_image(data=data).image

    response = client.head(f"/image/{image.pk}")

    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Length"] == str(len(data))
    assert response["ETag"] == f'"{image.sha256}"'


def test_matching_if_none_match_is_304_with_the_caching_headers(client, make_image, store):
    image = make_image().image

    response = client.get(f"/image/{image.pk}", headers={"if-none-match": f'"{image.sha256}"'})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{image.sha256}"'
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_different_etag_gets_the_bytes(client, make_image):
    image = make_image().image

    response = client.get(f"/image/{image.pk}", headers={"if-none-match": '"something-else"'})

    assert response.status_code == 200


def test_unknown_id_is_404(client):
    assert client.get("/image/12345").status_code == 404


def test_a_row_whose_file_is_missing_is_404_not_500(client, make_image, store):
    image = make_image().image
    store.remove(image.path)

    assert client.get(f"/image/{image.pk}").status_code == 404


def test_post_is_405(client, make_image):
    image = make_image().image

    assert client.post(f"/image/{image.pk}").status_code == 405


async def test_the_database_connection_is_given_back_before_the_bytes_stream(
    async_client, make_image_async
):
    """A download may take long or be abandoned; it must not hold a pooled connection."""
    from asgiref.sync import sync_to_async
    from django.db import connection

    image, data = await make_image_async(png_bytes(width=300, height=300))

    response = await async_client.get(f"/image/{image.pk}")

    assert await sync_to_async(lambda: connection.connection is None)()
    assert b"".join([chunk async for chunk in response.streaming_content]) == data
