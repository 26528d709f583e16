"""axe-core on every page, light and dark, English and Russian; motion and colour."""

import base64

import pytest

from tests.e2e.pictures import picture

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

SERIOUS = {"serious", "critical"}
ANIMATION = "el => getComputedStyle(el).animationName"


def axe_problems(page, axe_script) -> list[str]:
    """axe's serious and critical findings on this page, in light and in dark."""
    page.add_script_tag(path=str(axe_script))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        problems += [
            f"{page.url} ({scheme}) [{v['impact']}] {v['id']}: {v['help']} — "
            + "; ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in result["violations"]
            if v["impact"] in SERIOUS
        ]
    return problems


DROP = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: "image/png" }));
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: files, bubbles: true, cancelable: true };
    document.body.dispatchEvent(new DragEvent(kind, init));
  }
}"""


def upload_in_page(page):
    """Leave the Upload page showing two finished uploads with their links (the
    second a copy of the first, with *Remove this copy*), the note for an unused
    display name, and one refused upload."""
    page.goto("/upload/")
    page.get_by_label("Images").set_input_files([
        {"name": "meadow.png", "mimeType": "image/png", "buffer": picture(10)},
    ])
    expect(page.locator(".upload[data-state=done]")).to_have_count(1)
    page.get_by_label("Display name").fill("Not used.png")
    page.get_by_label("Images").set_input_files([
        {"name": "meadow again.png", "mimeType": "image/png", "buffer": picture(10)},
        {"name": "letter.png", "mimeType": "text/plain", "buffer": b"Dear reader,"},
    ])
    expect(page.locator(".upload[data-state=done]")).to_have_count(2)
    expect(page.locator(".upload[data-state=failed]")).to_have_count(1)
    expect(page.locator(".duplicate").last).to_be_visible()
    expect(page.locator("#name-note")).to_be_visible()
    return page.locator(".upload[data-state=done] .upload-name a").first.get_attribute("href")


def test_axe_finds_nothing_serious_on_any_page(new_context, browser_errors, axe_script):
    browser_errors.expect(r"status of 4(00|04|15)")
    # axe is injected as an inline script, which the pages' CSP rightly forbids.
    # Without motion, colours are measured at rest, not halfway through the
    # transition that a switch from light to dark starts.
    page = new_context(bypass_csp=True, reduced_motion="reduce").new_page()

    image_page = upload_in_page(page)
    problems = axe_problems(page, axe_script)
    image_id = image_page.rstrip("/").rsplit("/", 1)[-1]
    for path in ["/", "/view/", "/view/?id=abc", "/delete/", f"/delete/?id={image_id}", image_page,
                 "/no-such-page/"]:
        page.goto(path)
        problems += axe_problems(page, axe_script)
    page.goto("/")
    page.evaluate(DROP, ["dropped.png", base64.b64encode(picture(11)).decode()])
    expect(page.locator(".drop-item[data-state=done]")).to_have_count(1)
    problems += axe_problems(page, axe_script)
    page.get_by_role("button", name="Русский").click()
    for path in ["/", "/upload/"]:
        page.goto(path)
        problems += axe_problems(page, axe_script)

    assert not problems, "\n".join(problems)


def test_reduced_motion_turns_animations_off(page, api):
    api.upload("still.png")
    page.emulate_media(reduced_motion="reduce")
    page.goto("/")

    assert page.locator(".tile").first.evaluate(ANIMATION) == "none"
    page.emulate_media(reduced_motion="no-preference")
    assert page.locator(".tile").first.evaluate(ANIMATION) != "none"


def test_dark_colour_scheme_is_followed(page):
    page.emulate_media(color_scheme="dark")
    page.goto("/")

    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 18, 21)"


def test_form_fields_have_labels_and_errors_are_tied_to_them(page, browser_errors):
    browser_errors.expect(r"status of 400")
    page.goto("/view/?id=abc")

    field = page.get_by_label("Image id")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".errorlist")).to_contain_text("Enter a whole number.")
