"""The API's page and a delete link, in a real browser (strict CSP, no console errors)."""

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect


def test_the_api_docs_page_renders_under_the_strict_policy(page):
    page.goto("/api/docs/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Live Gallery API")
    upload = page.locator("#uploadImage")
    expect(upload.get_by_role("heading", level=2)).to_contain_text("POST /api/images/")
    expect(upload.get_by_role("table", name="Responses")).to_contain_text("415")
    page.get_by_role("link", name="UploadedImage").first.click()
    expect(page.locator("#schema-UploadedImage")).to_contain_text("delete_url")
    # Any CSP violation or script error would fail the test (tests/e2e/conftest.py).


def test_a_delete_link_asks_then_deletes_and_the_gallery_follows(page, new_context, api):
    image = api.upload("shared-link.png")
    watcher = new_context().new_page()
    watcher.goto("/")
    expect(watcher.locator("#live-status")).to_have_attribute("data-state", "live")
    tile = watcher.locator(f'#gallery [data-image-id="{image["id"]}"]')
    expect(tile).to_be_visible()

    page.goto(image["delete_url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete “shared-link.png”?")
    page.reload()  # a link preview, or a second look, deletes nothing
    expect(page.get_by_role("img", name="shared-link.png")).to_be_visible()
    assert api.count_of(image["id"]) == 1

    page.get_by_role("button", name="Delete for good").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status").first).to_contain_text("Deleted “shared-link.png”.")
    expect(tile).to_have_count(0)
    assert api.count_of(image["id"]) == 0


EXPIRE = (
    "from django.utils import timezone; from images.models import Image; "
    "Image.objects.filter(pk={id}).update(expires_at=timezone.now())"
)


def test_an_expiring_image_leaves_an_open_gallery_live(page, api, gallery_server):
    image = api.upload("fleeting.png")
    page.goto("/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    tile = page.locator(f'#gallery [data-image-id="{image["id"]}"]')
    expect(tile).to_be_visible()
    page.evaluate("window.notReloaded = true")

    # Its time comes (as if uploaded with expires_in a while ago).
    gallery_server.manage("shell", "-c", EXPIRE.format(id=image["id"]))

    expect(tile).to_have_count(0, timeout=5000)
    assert page.evaluate("window.notReloaded") is True
    assert api.count_of(image["id"]) == 0


def test_the_upload_page_sends_the_chosen_expiry(page):
    from tests.e2e.pictures import picture

    page.goto("/upload/")
    page.get_by_label("Delete automatically").select_option("after 1 hour")
    page.get_by_label("Images").set_input_files(
        [{"name": "brief.png", "mimeType": "image/png", "buffer": picture(3)}]
    )
    page.locator(".upload[data-state=done] .upload-name a").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("brief.png")
    expect(page.locator(".facts")).to_contain_text("Expires")
    expect(page.locator(".facts")).to_contain_text("in 59 minutes")
