"""The image page: its viewer (full window, keys, swipes, actual size,
download), its facts (displayed dimensions, times in the visitor's zone) and
long names, with and without JavaScript, on desktop and phone."""

import re

import pytest

from tests.corpus import jpeg_bytes
from tests.e2e.pictures import picture
from tests.e2e.test_accessibility import axe_problems
from tests.samples import avif_samples
from tests.test_photo_facts import camera_exif

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
LONG_NAME = "Summer holiday " + "at the seaside with the whole family " * 4 + "x" * 23 + ".png"
assert len(LONG_NAME) == 190


def three(api) -> tuple[dict, dict, dict]:
    """Older, middle, newer: uploaded in that order."""
    return tuple(api.upload(f"viewer-{name}.png", seed=seed)
                 for seed, name in enumerate(["older", "middle", "newer"]))


def heading(page):
    return page.get_by_role("heading", level=1)


def viewer(page):
    return page.locator("#viewer")


def test_the_photo_opens_in_the_viewer_and_esc_closes_it(page, api):
    _, middle, _ = three(api)
    page.goto(f"/images/{middle['id']}/")

    page.locator("#full-size").click()

    expect(viewer(page)).to_be_visible()
    expect(page).to_have_url(re.compile(r"#viewer$"))
    shown = page.locator("#viewer-image")
    expect(shown).to_have_js_property("naturalWidth", 160)
    box = shown.bounding_box()
    # Never enlarged (a small picture would only blur), centred in the window.
    assert box["width"] == 160
    assert abs(box["x"] + box["width"] / 2 - 640) <= 1
    expect(page.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(viewer(page)).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/images/{middle['id']}/$"))
    expect(page.locator("#full-size")).to_be_focused()


def test_back_closes_the_viewer_instead_of_leaving_the_page(page, api):
    _, middle, _ = three(api)
    page.goto(f"/images/{middle['id']}/")
    page.get_by_role("button", name="Full screen").click()
    expect(viewer(page)).to_be_visible()

    page.go_back()

    expect(viewer(page)).to_be_hidden()
    expect(heading(page)).to_have_text(middle["name"])


def test_f_opens_it_and_the_arrows_walk_to_older_and_newer_in_the_viewer(page, api):
    older, middle, newer = three(api)
    page.goto(f"/images/{middle['id']}/")

    page.keyboard.press("f")
    expect(viewer(page)).to_be_visible()
    page.keyboard.press("ArrowRight")

    expect(page).to_have_url(re.compile(rf"/images/{older['id']}/#viewer$"))
    expect(viewer(page)).to_be_visible()
    expect(viewer(page)).to_have_attribute("aria-label", older["name"])
    # Chromium holds keys back until a new page has painted; a person sees it first.
    page.wait_for_load_state()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"/images/{middle['id']}/#viewer$"))
    page.wait_for_load_state()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"/images/{newer['id']}/#viewer$"))
    page.wait_for_load_state()
    page.keyboard.press("f")
    expect(viewer(page)).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"/images/{middle['id']}/$"))
    expect(viewer(page)).to_be_hidden()


def test_shortcuts_do_not_fire_while_typing_in_a_field(page, api):
    _, middle, _ = three(api)
    page.goto(f"/images/{middle['id']}/")
    # A search field in the header, as another page part might add one.
    page.evaluate("""() => {
        const field = document.createElement("input");
        field.type = "search"; field.id = "typing"; field.setAttribute("aria-label", "Search");
        document.querySelector("header").append(field);
    }""")

    page.locator("#typing").type("ff")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+f")  # the browser's find, never the viewer
    page.wait_for_timeout(200)

    expect(page.locator("#typing")).to_have_value("ff")
    expect(viewer(page)).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/images/{middle['id']}/$"))


def swipe(page, locator, dx: int):
    """A real touch gesture through Chromium's DevTools protocol."""
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    session = page.context.new_cdp_session(page)
    send = lambda kind, points: session.send(  # noqa: E731
        "Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    send("touchStart", [{"x": x, "y": y}])
    for step in range(1, 9):
        send("touchMove", [{"x": x + dx * step / 8, "y": y + step}])
    send("touchEnd", [])
    session.detach()


def test_a_swipe_goes_to_the_older_or_newer_image(new_context, api):
    older, middle, newer = three(api)
    page = new_context(**PHONE).new_page()
    page.goto(f"/images/{middle['id']}/")

    swipe(page, page.locator("#full-size"), -150)
    expect(page).to_have_url(re.compile(rf"/images/{older['id']}/$"))
    page.locator("#full-size").tap()
    expect(viewer(page)).to_be_visible()
    swipe(page, page.locator("#viewer-stage"), 150)
    expect(page).to_have_url(re.compile(rf"/images/{middle['id']}/#viewer$"))
    expect(viewer(page)).to_be_visible()
    swipe(page, page.locator("#viewer-stage"), 150)
    expect(page).to_have_url(re.compile(rf"/images/{newer['id']}/#viewer$"))


def test_the_download_button_saves_the_original_under_its_name(page, api):
    data = picture(3, 200, 150)
    image = api.upload("Harbour at dawn.png", data)
    page.goto(f"/images/{image['id']}/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download original").click()

    assert download.value.suggested_filename == image["name"]
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == data
    page.locator("#full-size").click()
    with page.expect_download() as download:
        viewer(page).get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == image["name"]


def test_a_photo_larger_than_the_window_can_be_seen_at_actual_size(page, api):
    large = api.upload("large.jpg", picture(4, 2400, 1600, "JPEG"))
    small = api.upload("small.png", picture(5, 160, 120))
    page.goto(f"/images/{large['id']}/")
    page.keyboard.press("f")
    shown, stage = page.locator("#viewer-image"), page.locator("#viewer-stage")
    expect(shown).to_have_js_property("complete", True)
    zoom = page.get_by_role("button", name="Actual size")
    expect(zoom).to_have_attribute("aria-pressed", "false")
    assert shown.evaluate("img => img.clientWidth") < 1280

    zoom.click()

    expect(zoom).to_have_attribute("aria-pressed", "true")
    assert shown.evaluate("img => [img.clientWidth, img.clientHeight]") == [2400, 1600]
    assert stage.evaluate("s => s.scrollWidth > s.clientWidth && s.scrollLeft > 0")
    shown.click()  # the photo itself toggles too
    expect(zoom).to_have_attribute("aria-pressed", "false")
    assert shown.evaluate("img => img.clientWidth") < 1280
    # Zoomed around the point clicked: the same spot of the photo stays under the pointer.
    box, frame = shown.bounding_box(), stage.bounding_box()
    point = {"x": box["width"] * 0.3, "y": box["height"] * 0.6}
    shown.click(position=point)
    expect(zoom).to_have_attribute("aria-pressed", "true")
    left, top = stage.evaluate("s => [s.scrollLeft, s.scrollTop]")
    assert abs(left + box["x"] + point["x"] - frame["x"] - 0.3 * 2400) <= 2
    assert abs(top + box["y"] + point["y"] - frame["y"] - 0.6 * 1600) <= 2

    page.goto(f"/images/{small['id']}/#viewer")
    expect(viewer(page)).to_be_visible()
    expect(page.locator("#viewer-image")).to_have_js_property("complete", True)
    expect(page.locator("#viewer-zoom")).to_be_hidden()


def test_without_javascript_the_photo_is_a_link_to_its_full_size(new_context, api):
    older, middle, _ = three(api)
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/images/{middle['id']}/")

    expect(viewer(page)).to_be_hidden()
    expect(page.get_by_role("button", name="Full screen")).to_be_hidden()
    expect(page.get_by_role("link", name="Download original")).to_have_attribute(
        "href", f"/image/{middle['id']}/original")
    expect(page.locator("time[data-local]")).to_have_text(re.compile(r" UTC$"))
    page.get_by_role("link", name="Older").click()
    expect(heading(page)).to_have_text(older["name"])
    page.locator("#full-size").click()
    expect(page).to_have_url(re.compile(rf"/image/{older['id']}$"))


def test_times_are_shown_in_the_visitors_time_zone_with_its_name(new_context, api):
    image = api.upload("tokyo.png")
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    page.goto(f"/images/{image['id']}/")

    uploaded = page.locator("time[data-local]")
    expect(uploaded).to_have_text(re.compile(r"GMT\+9$"))
    expect(uploaded).to_have_attribute("title", "Asia/Tokyo")
    moment = page.evaluate("document.querySelector('time[data-local]').dateTime")
    hour = page.evaluate(
        "iso => new Date(iso).toLocaleString('en-US', {timeZone: 'Asia/Tokyo', hour: 'numeric',"
        " minute: '2-digit'})", moment)
    expect(uploaded).to_contain_text(hour)


def test_taken_at_and_camera_are_facts_on_the_page(page, api):
    image = api.upload("camera.jpg", jpeg_bytes(40, 24, exif=camera_exif()))
    page.goto(f"/images/{image['id']}/")

    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("May 1, 2024, 2:03 p.m. (UTC+02:00)")
    expect(facts).to_contain_text("Canon EOS R6")
    assert image["taken_at"] == "2024-05-01T14:03:07+02:00"


@pytest.mark.parametrize("name, data, size", [
    ("sideways.jpg", lambda: jpeg_bytes(40, 24, exif=camera_exif(orientation=6)), (24, 40)),
    ("rot1mir0.avif", lambda: avif_samples()["rot1mir0.avif"].read_bytes(), (640, 427)),
])
def test_a_rotated_photo_is_listed_as_it_is_shown(page, api, name, data, size):
    image = api.upload(name, data())
    page.goto(f"/images/{image['id']}/")

    shown = page.locator("#full-size img")
    expect(shown).to_have_js_property("complete", True)
    natural = shown.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert tuple(natural) == size == (image["width"], image["height"])
    expect(page.locator("dl.facts")).to_contain_text(f"{size[0]} × {size[1]}")


def line_height(locator) -> float:
    return locator.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")


@pytest.mark.parametrize("window", ["desktop", "phone"])
def test_a_190_character_name_takes_two_lines_at_most(new_context, api, window):
    image = api.upload(LONG_NAME, seed=7)
    name = image["name"]  # "… (2).png" when the other device's test ran first
    api.upload("short.png", seed=2)
    page = new_context(**(PHONE if window == "phone" else {})).new_page()
    page.goto(f"/images/{image['id']}/")

    title = heading(page)
    expect(title).to_have_attribute("title", name)
    assert title.bounding_box()["height"] <= 2 * line_height(title) + 1
    full = page.locator("dl.facts .full-name")
    expect(full).to_have_text(name)
    assert full.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.goto("/")
    tile = page.locator(f'.tile[data-image-id="{image["id"]}"]')
    caption = tile.locator(".caption")
    expect(tile.get_by_role("link")).to_have_accessible_name(name)
    two_lines = 2 * line_height(caption)
    assert caption.bounding_box()["height"] <= two_lines + 1
    around = caption.evaluate(
        "el => { const s = getComputedStyle(el); return parseFloat(s.marginTop)"
        " + parseFloat(s.marginBottom) + parseFloat(s.paddingTop) + parseFloat(s.paddingBottom); }")
    box = tile.bounding_box()
    assert box["height"] <= box["width"] + two_lines + around + 4  # square picture, borders


def test_a_tile_has_the_whole_name_as_its_tooltip(new_context, api):
    image = api.upload(LONG_NAME, seed=6)
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")

    caption = page.locator(f'.tile[data-image-id="{image["id"]}"] .caption')
    expect(caption).to_have_attribute("title", image["name"])


def test_a_tile_that_arrives_live_has_the_whole_name_as_its_tooltip(page, api):
    page.goto("/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    image = api.upload(LONG_NAME, seed=5)

    caption = page.locator(f'.tile[data-image-id="{image["id"]}"] .caption')
    expect(caption).to_be_visible()
    expect(caption).to_have_attribute("title", image["name"], timeout=1000)


def test_the_viewer_is_accessible_open_light_and_dark(new_context, api, axe_script):
    _, middle, _ = three(api)
    page = new_context(bypass_csp=True, reduced_motion="reduce").new_page()
    page.goto(f"/images/{middle['id']}/#viewer")
    expect(viewer(page)).to_be_visible()

    assert not axe_problems(page, axe_script)
