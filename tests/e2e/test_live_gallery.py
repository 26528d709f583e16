"""The gallery page, live: what one browser does, another sees without reloading."""

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

from tests.e2e.pictures import picture  # noqa: E402

LIVE_WITHIN_MS = 1000


def open_gallery(page):
    page.goto("/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    # Survives only as long as the page is not reloaded.
    page.evaluate("window.notReloaded = true")


def count_on(page) -> int:
    return int(page.locator("#image-count").inner_text())


def tile(page, image_id):
    return page.locator(f'#gallery [data-image-id="{image_id}"]')


def test_an_upload_in_one_page_appears_in_another_and_a_delete_disappears(page, new_context):
    # Another browser: a background tab of this one would be throttled.
    watcher = new_context().new_page()
    open_gallery(watcher)
    before = count_on(watcher)
    page.goto("/")

    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Images").set_input_files(
        [{"name": "live.png", "mimeType": "image/png", "buffer": picture(8)}]
    )
    link = page.locator(".upload[data-state=done] .upload-name a")
    image_id = re.search(r"/images/(\d+)/", link.get_attribute("href")).group(1)

    expect(tile(watcher, image_id)).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(watcher.locator("#gallery .tile").first).to_have_attribute("data-image-id", image_id)
    expect(tile(watcher, image_id)).to_contain_text("live.png")
    expect(watcher.locator("#image-count")).to_have_text(str(before + 1))

    page.get_by_role("link", name="Delete", exact=True).click()
    page.locator(f"#pick-{image_id}").check()
    page.get_by_role("button", name="Delete the chosen images…").click()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted “live.png”.")

    expect(tile(watcher, image_id)).to_have_count(0, timeout=LIVE_WITHIN_MS)
    expect(watcher.locator("#image-count")).to_have_text(str(before))
    assert watcher.evaluate("window.notReloaded") is True


def test_the_empty_state_points_to_upload_and_follows_the_count(empty_gallery, page, api):
    open_gallery(page)
    empty = page.locator("#empty-state")
    expect(empty).to_be_visible()
    expect(page.locator("#image-count")).to_have_text("0")
    upload_link = empty.get_by_role("link", name="Upload the first one")
    expect(upload_link).to_have_attribute("href", "/upload/")

    image = api.upload("first.png")

    expect(empty).to_be_hidden()
    expect(page.locator("#image-count")).to_have_text("1")
    # Delete only once the new tile's preview has loaded, as a person would
    # see it: deleted first, its in-flight request would 404 (and be logged).
    preview = page.locator(f'#gallery [data-image-id="{image["id"]}"] img.preview')
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    api.delete(image)
    expect(empty).to_be_visible()
    expect(page.locator("#image-count")).to_have_text("0")
    assert page.evaluate("window.notReloaded") is True


# Run while the server is down, against its database and media folder: what
# another process (the admin, a script) did while this page was disconnected.
MEANWHILE = """
from django.core.files.uploadedfile import SimpleUploadedFile
from images.models import Image
from images.services import image_create, image_delete
from tests.e2e.pictures import picture
image_delete(image=Image.objects.get(pk={gone}), actor="staff")
print(image_create(file=SimpleUploadedFile("meanwhile.png", picture(9, 160, 120))).image.pk)
"""


def test_a_page_open_across_a_server_restart_reconnects_and_catches_up(
    gallery_server, page, api, browser_errors
):
    # What a browser says while the server is away.
    browser_errors.expect(r"WebSocket connection to .* failed")
    browser_errors.expect(
        r"net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|INCOMPLETE_CHUNKED_ENCODING)"
    )  # the last: a preview on its way when the server stopped
    kept, gone = api.upload("kept.png"), api.upload("gone.png")
    open_gallery(page)
    before = count_on(page)
    status = page.locator("#live-status")

    gallery_server.stop()
    expect(status).to_have_attribute("data-state", re.compile("reconnecting|offline"))
    expect(status).to_have_text(re.compile("Reconnecting…|Offline"))
    added = gallery_server.manage("shell", "-c", MEANWHILE.format(gone=gone["id"])).split()[-1]
    gallery_server.start()

    expect(status).to_have_attribute("data-state", "live", timeout=20_000)
    expect(status).to_have_text("Live")
    expect(tile(page, added)).to_be_visible()
    expect(tile(page, added)).to_contain_text("meanwhile.png")
    expect(tile(page, gone["id"])).to_have_count(0)
    expect(tile(page, kept["id"])).to_be_visible()
    expect(page.locator("#image-count")).to_have_text(str(before))
    assert page.evaluate("window.notReloaded") is True


def test_the_live_status_speaks_the_pages_language(new_context):
    page = new_context(locale="ru-RU").new_page()
    page.goto("/")

    expect(page.locator("#live-status")).to_have_text("В реальном времени")
