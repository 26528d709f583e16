"""Walking the site as a visitor does: the nav bar, an image's page, the keyboard."""

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

NAV = [("Gallery", "/", "Gallery"), ("Upload", "/upload/", "Upload images"),
       ("View", "/view/", "View an image"), ("Delete", "/delete/", "Delete an image")]


def test_every_page_is_reached_through_the_nav_bar(page, api):
    api.upload("nav.png")
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")

    for link, path, heading in [*NAV[1:], NAV[0]]:
        nav.get_by_role("link", name=link, exact=True).click()

        expect(page).to_have_url(re.compile(f"{re.escape(path)}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        current = nav.get_by_role("link", name=link, exact=True)
        expect(current).to_have_attribute("aria-current", "page")
        expect(nav.locator('[aria-current="page"]')).to_have_count(1)


def test_the_view_form_opens_an_image_page(page, api):
    image = api.upload("lookup.png")
    page.goto("/view/")

    page.get_by_label("Image id").fill(str(image["id"]))
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(f"/images/{image['id']}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("lookup.png")


def test_an_image_page_shows_the_image_and_its_neighbours(page, api):
    older, middle, newer = (
        api.upload(f"{name}.png", seed=seed)
        for seed, name in enumerate(["older", "middle", "newer"])
    )
    page.goto("/")

    page.locator(f'[data-image-id="{middle["id"]}"] a').click()

    expect(page.get_by_role("heading", level=1)).to_have_text("middle.png")
    shown = page.locator("figure img")
    expect(shown).to_have_attribute("src", f"/image/{middle['id']}")
    expect(shown).to_have_js_property("naturalWidth", 160)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("image/png")
    expect(facts).to_contain_text("160 × 120")
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("older.png")
    page.get_by_role("link", name="Newer").click()
    page.get_by_role("link", name="Newer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("newer.png")
    assert older["id"] < middle["id"] < newer["id"]


def test_the_copy_button_copies_the_direct_link(page, context, api, base_url):
    image = api.upload("copy.png")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"/images/{image['id']}/")

    page.get_by_role("button", name="Copy link").click()

    expect(page.locator(".copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{base_url}/image/{image['id']}"


def open_gallery_settled(page):
    """The gallery once its script has caught up (it re-reads the page after connecting)."""
    with page.expect_response(lambda response: "/api/images/" in response.url):
        page.goto("/")


def test_the_keyboard_reaches_everything_in_order(page, api):
    image = api.upload("keys.png")
    open_gallery_settled(page)
    expected = ["Skip to content", "Live Gallery", "Gallery", "Upload", "View", "Delete",
                "English", "Русский", "Search by name", "Search"]

    names = []
    for _ in expected:
        page.keyboard.press("Tab")
        names.append(page.evaluate(
            "document.activeElement.textContent.trim() || document.activeElement.placeholder"
        ))
    page.keyboard.press("Tab")

    assert names == expected
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("href", f"/images/{image['id']}/")
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("keys.png")


def test_the_skip_link_moves_focus_to_the_content(page):
    page.goto("/upload/")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_visible()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_the_language_switcher_changes_the_language_and_stays_on_the_page(page):
    page.goto("/upload/")

    page.get_by_role("button", name="Русский").click()

    expect(page).to_have_url(re.compile("/upload/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Загрузка изображений")
    expect(page.get_by_role("link", name="Галерея")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload images")



def test_a_focused_tile_keeps_focus_while_the_gallery_catches_up(page, api):
    image = api.upload("focus.png")

    with page.expect_response(lambda response: "/api/images/" in response.url):
        page.goto("/")
        page.locator(f'[data-image-id="{image["id"]}"] a').focus()
    page.wait_for_timeout(100)

    focused = page.evaluate("document.activeElement.closest('.tile')?.dataset.imageId")
    assert focused == str(image["id"])
