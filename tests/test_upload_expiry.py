"""expires_in on upload: validated, recorded, stored where nginx never serves it,
cached no longer than it lives, chosen on the Upload page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from images.models import Image
from tests.conftest import body_of, stored_files
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_expires_in_sets_expires_at_and_stores_out_of_nginx_s_reach(upload, media_root):
    before = timezone.now()
    response = upload(png_bytes(), expires_in="3600")

    assert response.status_code == 201
    body = response.json()
    expires = parse_datetime(body["expires_at"])
    assert before + timedelta(seconds=3600) <= expires <= timezone.now() + timedelta(seconds=3600)
    assert stored_files(media_root) == sorted(
        [f"expiring/{body['id']}.png", f"expiring/{body['id']}.w320.webp",
         f"expiring/{body['id']}.w640.webp"]
    )


def test_an_upload_without_expires_in_never_expires(upload, media_root):
    body = upload(png_bytes()).json()

    assert body["expires_at"] is None
    assert f"images/{body['id']}.png" in stored_files(media_root)


@pytest.mark.parametrize("value", ["59", "31536001", "0", "-60", "1.5", "an hour", "６０"])
def test_a_bad_expires_in_is_400_and_leaves_nothing(upload, media_root, value):
    response = upload(png_bytes(), expires_in=value)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_expires_in"
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.parametrize("value", ["60", "31536000"])
def test_the_bounds_are_accepted(upload, value):
    assert upload(png_bytes(), expires_in=value).status_code == 201


def test_an_expiring_image_s_bytes_are_cached_no_longer_than_it_lives(client, upload):
    body = upload(png_bytes(), expires_in="600").json()

    for address in (f"/image/{body['id']}", f"/image/{body['id']}/w320.webp"):
        response = client.get(address)
        assert response.status_code == 200
        assert body_of(response)
        cache = response["Cache-Control"]
        assert cache.startswith("public, max-age=") and "immutable" not in cache
        assert 590 <= int(cache.rsplit("=", 1)[1]) <= 600


def test_the_upload_page_offers_an_expiry_and_the_image_page_shows_it(client):
    form = client.get("/upload/").content.decode()
    assert '<select name="expires_in"' in form and '<option value="3600">' in form

    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes()), "expires_in": "3600"}
    )

    assert response.status_code == 303
    image = Image.objects.get()
    assert image.expires_at is not None
    assert response["Location"] == "/upload/"  # where its links to keep are shown
    page = client.get(image.get_absolute_url()).content.decode()
    assert "Expires" in page and "in 59\xa0minutes" in page


def test_the_upload_page_script_sends_expires_in_too(client):
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes()), "expires_in": "86400"},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 201
    assert response.json()["image"]["expires_at"] is not None


def test_a_made_up_expiry_on_the_page_is_a_form_error(client):
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes()), "expires_in": "61"}
    )

    assert response.status_code == 400
    assert Image.objects.count() == 0


def test_reconcile_media_looks_after_the_expiring_folder_too(upload, media_root):
    import io

    from django.core.management import call_command

    upload(png_bytes(), expires_in="3600")
    (media_root / "expiring" / "999.png").write_bytes(b"left by a crash")
    out = io.StringIO()

    call_command("reconcile_media", "--fix", "--min-age", "0", stdout=out)

    assert "file without row: expiring/999.png" in out.getvalue()
    assert "removed 1 file(s) without row, 0 row(s) without file" in out.getvalue()
    assert len(stored_files(media_root)) == 3  # the expiring image's original and previews
