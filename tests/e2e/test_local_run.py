"""What a new user of `make run` meets beside the pages: the product's 404 page,
an image's address opened directly, and the admin for staff.

The session's server runs as `make run` does (tests/live_server.py): DEBUG off,
a secret key made in its own key file.
"""

import re

import pytest

from tests.e2e.pictures import picture

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

STAFF = ("staff", "a long staff pass phrase")
MAKE_STAFF = (
    "from django.contrib.auth import get_user_model; User = get_user_model(); "
    f"User.objects.filter(username='{STAFF[0]}').exists() or "
    f"User.objects.create_superuser('{STAFF[0]}', 'staff@example.com', '{STAFF[1]}')"
)


def centre_of(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_an_unknown_address_shows_the_products_own_page(page, browser_errors):
    browser_errors.expect(r"status of 404")

    response = page.goto("/no-such-page/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("link", name="Back to the gallery").click()
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.mark.parametrize(("width", "height"), [(160, 120), (2400, 1600)],
                         ids=["small", "larger-than-the-window"])
def test_an_images_address_opened_directly_shows_it_centred(page, api, width, height):
    image = api.upload(f"direct-{width}.png", picture(3, width, height))

    page.goto(image["url"])

    shown = page.locator("img")
    expect(shown).to_have_js_property("complete", True)
    assert shown.evaluate("img => img.naturalWidth") == width
    box = shown.bounding_box()
    window = page.viewport_size
    x, y = centre_of(box)
    assert abs(x - window["width"] / 2) <= 1, box
    assert abs(y - window["height"] / 2) <= 1, box
    assert box["width"] <= window["width"] and box["height"] <= window["height"]


def sign_in_as_staff(page, gallery_server):
    gallery_server.manage("shell", "-c", MAKE_STAFF)
    page.goto("/admin/login/?next=/")
    page.get_by_label("Username").fill(STAFF[0])
    page.get_by_label("Password").fill(STAFF[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_staff_reach_the_admin_from_the_nav_and_see_previews_there(page, api, gallery_server):
    long_name = "An afternoon by the lake with the whole family and the dog " * 3 + ".png"
    image = api.upload(long_name, picture(4, 300, 200))

    page.goto("/")
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    sign_in_as_staff(page, gallery_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page).to_have_title(re.compile(r"\| Live Gallery$"))
    page.locator("#images-image").get_by_role("link", name="Images").click()

    titled = page.locator(f'[title="{image["name"]}"]')
    row = page.locator("#result_list tbody tr").filter(has=titled)
    preview = row.locator("img")
    expect(preview).to_have_attribute("src", f"/image/{image['id']}/w320.webp")
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") == 300
    assert preview.bounding_box()["width"] == 64
    assert row.locator(titled).bounding_box()["height"] < 50  # two lines at most
