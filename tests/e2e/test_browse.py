"""Finding images and noticing live changes, in a browser: the gallery's search
and numbered pages, the View and Delete pages' pickers (multi-select delete),
and the "new images" pill, highlight and tab title of the live gallery."""

import re

import pytest

from tests.e2e.pictures import picture
from tests.live_server import LiveServer

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

PAGE_SIZE = 4
TITLE = "Gallery · Live Gallery"


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory):
    """A server of its own with 4 images per gallery page, so pages are quick to fill."""
    with LiveServer(tmp_path_factory.mktemp("browse"), GALLERY_PAGE_SIZE=str(PAGE_SIZE)) as server:
        yield server


@pytest.fixture(scope="module")
def browser_context_args(browser_context_args, small_pages):
    return {**browser_context_args, "base_url": small_pages.url}


@pytest.fixture
def site(small_pages):
    small_pages.reset()
    return small_pages


@pytest.fixture
def browser_of(new_context, site):
    """A browser (context) on the small-pages server."""

    def make(**kwargs):
        return new_context(**kwargs)

    return make


def api_upload(context, name: str, seed: int = 0) -> dict:
    response = context.request.post("/api/images/", multipart={
        "file": {"name": name, "mimeType": "image/png", "buffer": picture(seed, 120, 90)},
    })
    assert response.status == 201, response.text()
    return response.json()


def browser_upload(context, name: str, seed: int = 0) -> dict:
    """Uploaded as this browser (its session may delete it on the Delete page)."""
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    response = context.request.post("/upload/", headers={
        "Accept": "application/json", "X-CSRFToken": token,
    }, multipart={"file": {"name": name, "mimeType": "image/png",
                           "buffer": picture(seed, 120, 90)}})
    assert response.status == 201, response.text()
    return response.json()["image"]


def open_gallery(page, path="/"):
    page.goto(path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.notReloaded = true")


def tiles(page):
    return page.locator("#gallery .tile")


def test_the_search_box_finds_names_and_says_when_nothing_matches(browser_of):
    context = browser_of()
    for n, name in enumerate(["Black cat.png", "dog.png", "Кот.png"]):
        api_upload(context, name, n)
    page = context.new_page()
    page.goto("/")

    search = page.get_by_role("search", name="Search the gallery")
    search.get_by_label("Name contains").fill("CAT")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/\?q=CAT$"))
    expect(tiles(page)).to_have_count(1)
    expect(tiles(page)).to_contain_text("Black cat.png")
    expect(page.locator(".count")).to_contain_text("Names containing “CAT”: 1")
    expect(page).to_have_title("“CAT” in the gallery · Live Gallery")

    page.get_by_label("Name contains").fill("zebra")
    page.get_by_label("Name contains").press("Enter")
    expect(tiles(page)).to_have_count(0)
    empty = page.locator("#empty-state")
    expect(empty).to_contain_text("No image's name contains “zebra”.")
    empty.get_by_role("link", name="Show all images").click()
    expect(tiles(page)).to_have_count(3)


def test_numbered_pages_have_real_urls_and_keep_the_search(browser_of):
    context = browser_of()
    for n in range(PAGE_SIZE * 7):  # 7 pages of cats, one dog
        api_upload(context, f"cat {n}.png", n)
    api_upload(context, "dog.png")
    page = context.new_page()
    page.goto("/?q=cat")

    pages = page.get_by_role("navigation", name="Pages")
    numbered = pages.get_by_role("link", name=re.compile(r"^Page \d+$"))
    expect(pages.get_by_role("link", name="Page 1", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(numbered).to_have_count(4)  # 1 2 3 … 7
    pages.get_by_role("link", name="Page 7", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=cat&page=7$"))
    expect(tiles(page)).to_have_count(PAGE_SIZE)
    expect(tiles(page).first).to_contain_text("cat 3.png")
    pages.get_by_role("link", name="Page 5", exact=True).click()
    expect(pages.locator('[aria-current="page"]')).to_have_text("5")
    expect(numbered).to_have_count(7)  # an ellipsis never hides a single page: 1 to 7
    pages.get_by_role("link", name="Older").click()
    expect(page).to_have_url(re.compile(r"\?q=cat&page=6$"))
    expect(page.get_by_label("Name contains")).to_have_value("cat")


def test_new_images_above_the_view_show_a_pill_that_scrolls_up(browser_of):
    context = browser_of(viewport={"width": 800, "height": 400})
    for n in range(PAGE_SIZE):
        api_upload(context, f"old {n}.png", n)
    page = context.new_page()
    open_gallery(page)
    # Room below the grid (CSSOM, which the page's CSP allows), then scroll down.
    page.evaluate("document.body.style.paddingBottom = '1500px'")
    page.evaluate("window.scrollTo(0, 1200)")
    assert page.evaluate("window.scrollY") > 300

    first = api_upload(context, "new one.png", 7)
    pill = page.locator("#new-pill")
    expect(pill).to_have_text("1 new image — show")
    expect(page).to_have_title(f"(1) {TITLE}")
    api_upload(context, "new two.png", 6)
    expect(pill).to_have_text("2 new images — show")
    expect(page).to_have_title(f"(2) {TITLE}")
    new_tile = page.locator(f'#gallery [data-image-id="{first["id"]}"]')
    expect(new_tile).to_have_class(re.compile(r"\barrived\b"))

    pill.click()
    expect(pill).to_be_hidden()
    expect(page).to_have_title(TITLE)
    assert page.evaluate("window.scrollY") < 300
    # The highlight fades a moment after the tile was seen.
    expect(new_tile).not_to_have_class(re.compile(r"\barrived\b"), timeout=5000)
    assert page.evaluate("window.notReloaded") is True


def test_new_images_for_page_one_show_a_pill_on_page_two(browser_of):
    context = browser_of()
    for n in range(PAGE_SIZE + 1):
        api_upload(context, f"old {n}.png", n)
    page = context.new_page()
    open_gallery(page, "/?page=2")
    before = tiles(page).all_inner_texts()

    new = api_upload(context, "brand new.png", 5)

    pill = page.locator("#new-pill")
    expect(pill).to_have_text("1 new image — show")
    expect(page).to_have_title(f"(1) {TITLE}")
    expect(page.locator(f'#gallery [data-image-id="{new["id"]}"]')).to_have_count(0)
    expect(page.locator("#image-count")).to_have_text(str(PAGE_SIZE + 2))
    # Page 2 shifted one place (an image from page 1 moved here), and no new tile is highlighted.
    expect(tiles(page)).to_have_count(2)
    assert tiles(page).all_inner_texts() != before
    expect(page.locator("#gallery .arrived")).to_have_count(0)

    pill.click()
    expect(page).to_have_url(re.compile(r"\?page=1$"))
    expect(tiles(page).first).to_have_attribute("data-image-id", str(new["id"]))


def test_a_search_takes_in_matching_images_only(browser_of):
    context = browser_of()
    api_upload(context, "cat.png")
    page = context.new_page()
    open_gallery(page, "/?q=cat")

    api_upload(context, "dog.png", 1)
    pill = page.locator("#new-pill")
    expect(pill).to_have_text("1 new image — show")
    expect(tiles(page)).to_have_count(1)
    expect(page.locator("#image-count")).to_have_text("1")
    expect(pill).to_have_attribute("href", "/")  # it is in the whole gallery, not this search

    kitten = api_upload(context, "Kitten CAT.png", 2)
    expect(tiles(page).first).to_have_attribute("data-image-id", str(kitten["id"]))
    expect(page.locator("#image-count")).to_have_text("2")
    expect(tiles(page)).to_have_count(2)
    assert page.evaluate("window.notReloaded") is True


def test_the_pill_speaks_russian_with_its_plural_forms(browser_of):
    context = browser_of(locale="ru-RU")
    for n in range(PAGE_SIZE + 1):
        api_upload(context, f"old {n}.png", n)
    page = context.new_page()
    open_gallery(page, "/?page=2")
    pill = page.locator("#new-pill")

    wanted = {1: "1 новое изображение — показать", 2: "2 новых изображения — показать",
              5: "5 новых изображений — показать"}
    for n in range(1, 6):
        api_upload(context, f"new {n}.png", n)
        if n in wanted:
            expect(pill).to_have_text(wanted[n])
    expect(page).to_have_title("(5) Галерея · Live Gallery")


HIDE = """hidden => {
  Object.defineProperty(document, "visibilityState",
    { configurable: true, get: () => hidden ? "hidden" : "visible" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_the_title_counts_images_that_arrived_while_the_tab_was_away(browser_of):
    context = browser_of()
    page = context.new_page()
    open_gallery(page)
    page.evaluate(HIDE, True)

    api_upload(context, "while away 1.png", 1)
    api_upload(context, "while away 2.png", 2)
    expect(tiles(page)).to_have_count(2)
    expect(page).to_have_title(f"(2) {TITLE}")
    expect(page.locator("#new-pill")).to_be_hidden()  # they are in view, just not seen yet

    page.evaluate(HIDE, False)
    expect(page).to_have_title(TITLE)


def test_the_highlight_moves_only_when_motion_is_welcome(browser_of):
    context = browser_of(reduced_motion="reduce")
    page = context.new_page()
    open_gallery(page)
    api_upload(context, "calm.png")
    link = page.locator("#gallery .tile.arrived a")
    expect(link).to_have_count(1)
    assert link.evaluate("el => getComputedStyle(el).animationName") == "none"
    assert link.evaluate("el => getComputedStyle(el).boxShadow") != "none"

    page.emulate_media(reduced_motion="no-preference")
    assert link.evaluate("el => getComputedStyle(el).animationName") == "arrived"


def test_the_view_picker_searches_and_opens_the_image_page(browser_of):
    context = browser_of()
    images = [api_upload(context, name, n) for n, name in enumerate(["harbour.png", "fern.png"])]
    page = context.new_page()
    page.goto("/view/")
    picker = page.locator(".picker")
    expect(picker.locator(".picker-item")).to_have_count(2)
    for image in images:
        expect(picker.locator(f'[data-image-id="{image["id"]}"] img')).to_have_attribute(
            "src", f"/image/{image['id']}/w320.webp"
        )

    picker.get_by_label("Name contains").fill("FERN")
    picker.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/view/\?q=FERN$"))
    expect(picker.locator(".picker-item")).to_have_count(1)
    picker.get_by_role("link", name=re.compile("fern.png")).click()

    expect(page).to_have_url(re.compile(f"/images/{images[1]['id']}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("fern.png")


def test_the_pickers_work_without_javascript(browser_of):
    context = browser_of(java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    for n in range(3):
        browser_upload(context, f"still {n}.png", n)

    page.goto("/delete/")
    page.get_by_label("Name contains").fill("still 1")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".picker-item")).to_have_count(1)
    page.get_by_label(re.compile("still 1.png")).check()
    page.get_by_role("button", name="Delete the chosen images…").click()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.locator(".messages")).to_contain_text("Deleted “still 1.png”.")
    expect(page.locator(".picker-item")).to_have_count(2)


def test_several_images_are_deleted_at_once_and_vanish_from_other_galleries(browser_of):
    owner = browser_of()
    page = owner.new_page()
    page.goto("/")
    images = [browser_upload(owner, f"mine {n}.png", n) for n in range(3)]
    api_upload(owner, "not a browser upload.png", 5)  # not this session's: not offered
    watcher = browser_of().new_page()
    open_gallery(watcher)
    expect(tiles(watcher)).to_have_count(4)

    page.get_by_role("link", name="Delete", exact=True).click()
    ways = page.get_by_role("region", name="Three ways to delete")
    expect(ways).to_contain_text("delete link kept from the upload")
    expect(ways.get_by_role("link", name="/admin/")).to_have_attribute("href", "/admin/")
    expect(page.locator(".picker-item")).to_have_count(3)
    for image in images[:2]:
        page.get_by_label(re.compile(re.escape(image["name"]))).check()
    page.get_by_role("button", name="Delete the chosen images…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delete 2 images?")
    for image in images[:2]:
        preview = page.locator(f'.confirm-list [data-image-id="{image["id"]}"] img')
        expect(preview).to_have_attribute("src", f"/image/{image['id']}/w320.webp")
    page.get_by_role("button", name="Delete for good").click()

    expect(page).to_have_url(re.compile("/delete/$"))
    expect(page.locator(".messages")).to_contain_text("Deleted 2 images.")
    expect(page.locator(".picker-item")).to_have_count(1)
    expect(tiles(watcher)).to_have_count(2)
    for image in images[:2]:
        expect(watcher.locator(f'[data-image-id="{image["id"]}"]')).to_have_count(0)
    assert watcher.evaluate("window.notReloaded") is True


def test_axe_finds_nothing_serious_in_search_pages_pickers_and_the_pill(browser_of, axe_script):
    from tests.e2e.test_accessibility import axe_problems

    context = browser_of(bypass_csp=True, reduced_motion="reduce")
    page = context.new_page()
    page.goto("/")
    images = [browser_upload(context, f"mine {n}.png", n) for n in range(PAGE_SIZE * 3)]
    problems = []
    chosen = "&".join(f"id={image['id']}" for image in images[:3])
    for path in ["/?q=mine&page=2", "/?q=nothing", "/view/?q=mine&page=2", "/delete/?q=mine",
                 f"/delete/?{chosen}"]:
        page.goto(path)
        problems += axe_problems(page, axe_script)
    open_gallery(page, "/?page=2")
    api_upload(context, "new.png")
    expect(page.locator("#new-pill")).to_be_visible()
    problems += axe_problems(page, axe_script)
    page.get_by_role("button", name="Русский").click()
    for path in ["/?q=mine&page=2", "/delete/"]:
        page.goto(path)
        problems += axe_problems(page, axe_script)

    assert not problems, "\n".join(problems)
