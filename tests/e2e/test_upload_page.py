"""The Upload page: many files, each in its own request with its own outcome."""

import base64
import re

import pytest

from tests.e2e.pictures import picture

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

REFUSED = r"status of 415"  # the browser logs each refused upload as a failed load
LOADED = "img => img.complete && img.naturalWidth > 0"


def file(name: str, data: bytes, mime: str = "application/octet-stream") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def item(page, name: str):
    return page.locator(".upload").filter(has=page.locator(".upload-name", has_text=name))


def test_several_files_upload_side_by_side_each_with_its_outcome(page, browser_errors, api):
    browser_errors.expect(REFUSED)
    page.goto("/upload/")

    page.get_by_label("Images").set_input_files([
        file("sunrise.png", picture(1)),
        file("notes.png", b"just some text, not a picture"),
        file("beach.jpg", picture(2, fmt="JPEG")),
    ])

    for name in ("sunrise.png", "beach.jpg"):
        done = item(page, name)
        expect(done).to_have_attribute("data-state", "done")
        expect(done.locator("progress")).to_have_attribute("value", "100")
        expect(done.locator(".upload-preview")).to_be_visible()
        link = done.get_by_role("link", name=name)
        expect(link).to_have_attribute("href", re.compile(r"/images/\d+/$"))
    refused = item(page, "notes.png")
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused).to_contain_text("The file is not a PNG, JPEG, GIF, WebP, AVIF or HEIC image.")
    expect(page.locator(".upload-cancel")).to_have_count(0)
    assert {"sunrise.png", "beach.jpg"} <= set(api.names())
    assert "notes.png" not in api.names()

    item(page, "beach.jpg").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("beach.jpg")
    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page.locator(".picker")).to_contain_text("sunrise.png")


def test_one_file_may_get_a_display_name(page):
    page.goto("/upload/")

    page.get_by_label("Display name").fill("Harbour.png")
    page.get_by_label("Images").set_input_files([file("IMG_0001.png", picture(3))])

    expect(item(page, "Harbour.png")).to_have_attribute("data-state", "done")
    expect(page.get_by_label("Display name")).to_have_value("")
    expect(page.locator("#name-note")).to_be_hidden()


def test_a_display_name_with_several_files_is_not_used_and_the_page_says_so(page, api):
    page.goto("/upload/")

    page.get_by_label("Display name").fill("Unused name.png")
    page.get_by_label("Images").set_input_files(
        [file("first.png", picture(11)), file("second.png", picture(12))]
    )

    expect(page.locator("#name-note")).to_be_visible()
    expect(page.locator("#name-note")).to_have_text(
        "“Unused name.png” was not used: a display name applies to a single image, and several"
        " were chosen. Each keeps its file name."
    )
    expect(item(page, "first.png")).to_have_attribute("data-state", "done")
    expect(item(page, "second.png")).to_have_attribute("data-state", "done")
    expect(page.get_by_label("Display name")).to_have_value("Unused name.png")
    assert "Unused name.png" not in api.names()


def test_choosing_files_uploads_them_without_a_button(page):
    page.goto("/upload/")

    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_hidden()
    page.get_by_label("Images").set_input_files([file("at-once.png", picture(13))])

    expect(item(page, "at-once.png")).to_have_attribute("data-state", "done")


@pytest.mark.parametrize("how", ["click", "keyboard"])
def test_the_drop_zone_opens_the_file_chooser(page, how):
    page.goto("/upload/")
    zone = page.get_by_role("button", name=re.compile("Drop images here"))

    with page.expect_file_chooser() as chooser:
        if how == "click":
            zone.click()
        else:
            zone.focus()
            page.keyboard.press("Enter")
    chooser.value.set_files([file(f"chosen-by-{how}.png", picture(14))])

    chosen = item(page, f"chosen-by-{how}.png")
    expect(chosen).to_have_attribute("data-state", "done", timeout=15_000)


def test_on_a_phone_the_progress_is_in_view_and_the_page_says_tap(new_context):
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                       device_scale_factor=2).new_page()
    page.goto("/upload/")

    zone = page.locator("#dropzone")
    expect(zone).to_have_text(
        "Tap here to choose images. Each one uploads as soon as it is chosen.")
    assert "drop" not in page.locator("main").inner_text().lower()
    assert "paste" not in page.locator("main").inner_text().lower()
    page.get_by_label("Images").set_input_files(
        [file(f"phone-{n}.png", picture(20 + n)) for n in range(3)]
    )

    first = item(page, "phone-0.png")
    expect(first).to_have_attribute("data-state", "done")
    expect(first).to_be_in_viewport()


def test_a_slow_upload_shows_progress_and_can_be_cancelled(page, context, api):
    page.goto("/upload/")
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256 * 1024,
    })

    page.get_by_label("Images").set_input_files([file("huge.png", b"\x89PNG" + bytes(3_000_000))])

    slow = item(page, "huge.png")
    expect(slow).to_have_attribute("data-state", "uploading")
    progress = slow.locator("progress")
    page.wait_for_function("bar => bar.value > 0", arg=progress.element_handle())
    assert 0 < float(progress.get_attribute("value") or progress.evaluate("bar => bar.value")) < 100
    slow.get_by_role("button", name="Cancel").click()

    expect(slow).to_have_attribute("data-state", "cancelled")
    expect(slow).to_contain_text("Cancelled")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
    })
    assert "huge.png" not in api.names()


DROP = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: "image/png" }));
  const target = document.querySelector("h1");
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: files, bubbles: true, cancelable: true };
    target.dispatchEvent(new DragEvent(kind, init));
  }
}"""

PASTE = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const clipboard = new DataTransfer();
  clipboard.items.add(new File([bytes], name, { type: "image/png" }));
  const init = { clipboardData: clipboard, bubbles: true, cancelable: true };
  document.body.dispatchEvent(new ClipboardEvent("paste", init));
}"""


def test_files_dropped_anywhere_on_the_page_upload_at_once(page):
    page.goto("/upload/")
    expect(page.locator("#dropzone")).to_be_visible()

    page.evaluate(DROP, ["dropped.png", base64.b64encode(picture(4)).decode()])

    expect(item(page, "dropped.png")).to_have_attribute("data-state", "done")


def test_an_image_pasted_from_the_clipboard_uploads(page):
    page.goto("/upload/")

    page.evaluate(PASTE, ["pasted.png", base64.b64encode(picture(5)).decode()])

    expect(item(page, "pasted.png")).to_have_attribute("data-state", "done")


def test_without_javascript_the_form_still_uploads(new_context, browser_errors, api):
    browser_errors.expect(r"status of 400")
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/upload/")
    expect(page.locator("#dropzone")).to_be_hidden()

    page.get_by_label("Images").set_input_files([
        file("plain.png", picture(6)), file("plain.txt", b"not an image"),
    ])
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("plain.txt")
    expect(item(page, "plain.png")).to_have_attribute("data-state", "done")
    page.get_by_label("Images").set_input_files([file("alone.png", picture(7))])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page).to_have_url(re.compile(r"/upload/$"))
    expect(page.get_by_role("status").first).to_contain_text("Uploaded 1 image.")
    expect(item(page, "alone.png").get_by_role("link", name="alone.png")).to_have_attribute(
        "href", re.compile(r"/images/\d+/$")
    )
    assert {"plain.png", "alone.png"} <= set(api.names())


def test_a_phone_heic_uploads_and_shows_in_the_gallery_and_on_its_page(page):
    """Chromium cannot show HEIC: what it gets is the JPEG made at upload."""
    from tests.samples import heic_samples

    page.goto("/upload/")
    page.get_by_label("Images").set_input_files(
        [file("IMG_4032.HEIC", heic_samples()["arrow.heic"].read_bytes(), "image/heic")]
    )
    done = item(page, "IMG_4032.HEIC")
    expect(done).to_have_attribute("data-state", "done", timeout=30_000)

    page.goto("/")
    preview = page.locator("#gallery .tile img.preview").first
    preview.scroll_into_view_if_needed()
    page.wait_for_function(LOADED, arg=preview.element_handle())
    assert preview.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#gallery .tile").first).to_contain_text("IMG_4032.HEIC")

    page.locator("#gallery .tile a").first.click()
    shown = page.locator("figure img")
    page.wait_for_function(LOADED, arg=shown.element_handle())
    assert shown.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [3024, 4032]
    expect(page.locator("#original-link")).to_have_text("IMG_4032.HEIC")
    expect(page.locator("#original-link")).to_have_attribute(
        "href", re.compile(r"/image/\d+/original$")
    )
