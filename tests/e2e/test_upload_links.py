"""The links an uploader keeps: after each upload on the Upload page (with and
without JavaScript) and on the gallery, the delete link from any browser, and
the one-click removal of a copy of what the gallery already has."""

import base64
import re

import pytest

from images import sharing
from tests.e2e.pictures import picture

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

FIELDS = ["Direct link", "Page link", "Markdown", "HTML", "BBCode", "Delete link"]


def file(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": data}


def item(page, name: str):
    return page.locator(".upload").filter(has=page.locator(".upload-name", has_text=name))


def links_of(row) -> dict[str, str]:
    return {label: row.get_by_label(label, exact=True).input_value() for label in FIELDS}


def test_each_upload_shows_the_links_to_share_and_keep(page, context, base_url, api):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto("/upload/")

    page.get_by_label("Images").set_input_files([file("a [b] <c> & \"d\".png", picture(901))])

    row = item(page, "a [b] <c>")
    expect(row).to_have_attribute("data-state", "done")
    links = links_of(row)
    image_id = int(re.search(r"/images/(\d+)/$", links["Page link"]).group(1))
    image = api.request.get(f"/api/images/{image_id}/").json()
    share = sharing.share_of(image)  # what the server makes for the form's page and the API
    assert links["Direct link"] == f"{base_url}/image/{image_id}"
    assert links["Page link"] == f"{base_url}/images/{image_id}/"
    assert (links["Markdown"], links["HTML"], links["BBCode"]) == (
        share["markdown"], share["html"], share["bbcode"])
    assert re.fullmatch(rf"{base_url}/delete/{image_id}/[\w-]{{32,}}/", links["Delete link"])
    expect(row.locator(".keep-note")).to_have_text(re.compile(
        r"^Keep this link to delete the image later, from any device\."))
    expect(row.locator(".duplicate")).to_be_hidden()

    for label in ("Markdown", "Delete link"):
        kind = label.split()[0].lower()
        row.locator(f"button[aria-describedby$='-{kind}-label']").click()
        assert page.evaluate("navigator.clipboard.readText()") == links[label]
    expect(row.locator(".copy-status").filter(has_text="Copied")).to_have_count(2)


def test_the_delete_link_deletes_from_another_browser(page, new_context, api):
    page.goto("/upload/")
    page.get_by_label("Images").set_input_files([file("far-away.png", picture(902))])
    row = item(page, "far-away.png")
    expect(row).to_have_attribute("data-state", "done")
    delete_url = row.get_by_label("Delete link", exact=True).input_value()
    image_id = int(delete_url.split("/")[-3])

    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.goto(delete_url)
    phone.get_by_role("button", name="Delete for good").click()

    expect(phone.get_by_role("status").first).to_contain_text("Deleted “far-away.png”.")
    assert api.count_of(image_id) == 0


def test_the_same_picture_again_says_where_it_is_and_removes_the_copy(page, api):
    data = picture(903)
    first = api.upload("original.png", data)
    page.goto("/upload/")

    page.get_by_label("Images").set_input_files([file("IMG_2041.png", data)])

    row = item(page, "IMG_2041.png")
    expect(row).to_have_attribute("data-state", "done")
    notice = row.locator(".duplicate")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Already in the gallery as original.png.")
    expect(notice.get_by_role("link", name="original.png")).to_have_attribute(
        "href", first["page_url"])
    copy_id = int(row.get_by_label("Page link", exact=True).input_value().split("/")[-2])
    assert api.count_of(copy_id) == 1

    notice.get_by_role("button", name="Remove this copy").click()

    expect(row).to_have_attribute("data-state", "removed")
    expect(row.locator(".upload-outcome")).to_have_text(
        "This copy was removed; the image stays in the gallery.")
    expect(row.get_by_role("link", name="original.png")).to_be_visible()
    expect(row.get_by_label("Delete link", exact=True)).to_have_count(0)
    assert api.count_of(copy_id) == 0
    assert api.count_of(first["id"]) == 1


def test_without_javascript_the_page_after_the_form_shows_the_links(new_context, api):
    page = new_context(java_script_enabled=False).new_page()
    data = picture(904)
    first = api.upload("first-plain.png", data)
    page.goto("/upload/")

    page.get_by_label("Images").set_input_files([file("again-plain.png", data)])
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page).to_have_url(re.compile(r"/upload/$"))
    row = item(page, "again-plain.png")
    links = links_of(row)
    copy_id = int(links["Page link"].split("/")[-2])
    assert links["Delete link"].startswith(links["Page link"].replace("/images/", "/delete/"))
    expect(row.locator(".keep-note")).to_be_visible()
    # Copying needs the script; without it the fields can be selected and copied.
    expect(row.get_by_role("button", name="Copy", exact=True)).to_have_count(0)
    expect(row.locator(".duplicate")).to_contain_text("Already in the gallery as first-plain.png.")

    row.get_by_role("button", name="Remove this copy").click()

    expect(page.get_by_role("status").first).to_contain_text("Deleted “again-plain.png”.")
    assert api.count_of(copy_id) == 0
    assert api.count_of(first["id"]) == 1
    page.goto("/upload/")
    expect(page.locator(".upload")).to_have_count(0)  # shown once


def test_without_javascript_a_display_name_for_several_files_is_not_dropped_silently(
    new_context, api
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/upload/")

    page.get_by_label("Display name").fill("Together.png")
    page.get_by_label("Images").set_input_files(
        [file("one-plain.png", picture(905)), file("two-plain.png", picture(906))])
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page.locator(".message.warning")).to_have_text(
        "The display name “Together.png” was not used: it applies to a single image, and 2 were"
        " chosen. Each image keeps its file name.")
    expect(item(page, "one-plain.png")).to_be_visible()
    expect(item(page, "two-plain.png")).to_be_visible()


DROP_ON_GALLERY = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: "image/png" }));
  const target = document.querySelector("#gallery") ?? document.body;
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: files, bubbles: true, cancelable: true };
    target.dispatchEvent(new DragEvent(kind, init));
  }
}"""


def test_files_dropped_on_the_gallery_upload_and_show_their_links(page, api):
    page.goto("/")
    expect(page.locator("#drop-uploads")).to_be_hidden()

    page.evaluate(DROP_ON_GALLERY, ["on-the-gallery.png", base64.b64encode(picture(907)).decode()])

    panel = page.locator("#drop-uploads")
    expect(panel).to_be_visible()
    done = panel.locator(".drop-item[data-state=done]")
    expect(done).to_contain_text("Uploaded.")
    link = done.get_by_role("link", name="on-the-gallery.png")
    image_id = int(re.search(r"/images/(\d+)/$", link.get_attribute("href")).group(1))
    delete_link = done.get_by_role("link", name="Delete link")
    expect(delete_link).to_have_attribute("href", re.compile(rf"/delete/{image_id}/[\w-]+/$"))
    expect(done).to_contain_text("Keep the delete link to delete the image later, from any device.")
    expect(page.locator(f'#gallery .tile[data-image-id="{image_id}"]')).to_be_visible()
    assert api.count_of(image_id) == 1


def test_the_links_speak_russian(new_context):
    page = new_context(locale="ru-RU").new_page()
    page.goto("/upload/")
    expect(page.locator("#dropzone")).to_contain_text("Перетащите изображения сюда")

    images = page.get_by_label("Изображения:", exact=True)
    images.set_input_files([file("по-русски.png", picture(908))])

    row = item(page, "по-русски.png")
    expect(row).to_have_attribute("data-state", "done")
    expect(row.get_by_label("Ссылка для удаления", exact=True)).to_have_value(
        re.compile(r"/delete/\d+/[\w-]+/$"))
    expect(row.locator(".keep-note")).to_contain_text(
        "Сохраните эту ссылку, чтобы удалить изображение позже с любого устройства.")
    expect(row.get_by_role("button", name="Копировать", exact=True)).to_have_count(6)
