"""`make screenshots`: every page, light and dark, desktop and phone.

Starts its own server (tests/e2e/server.py) on an empty database, uploads a
few pictures as one browser, and writes docs/screenshots/<page>-<device>-<scheme>.png
with the system's Chromium, as the browser tests use it.
"""

import base64
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.pictures import camera_exif, picture  # noqa: E402
from tests.live_server import BASE_DIR, LiveServer  # noqa: E402

OUT = BASE_DIR / "docs" / "screenshots"
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
              "is_mobile": True, "has_touch": True},
}
SCHEMES = ("light", "dark")
PICTURES = [  # name, seed, width, height, format
    ("Harbour at dawn.jpg", 0, 960, 640, "JPEG"), ("Fern.png", 6, 640, 800, "PNG"),
    ("Lagoon.jpg", 1, 960, 720, "JPEG"), ("Sunflower field.jpg", 2, 800, 800, "JPEG"),
    ("Dusk.png", 3, 960, 600, "PNG"), ("Sea glass.webp", 4, 720, 720, "WEBP"),
    ("Evening sky.jpg", 5, 960, 640, "JPEG"), ("Coral.png", 7, 800, 600, "PNG"),
    ("Summer holiday at the seaside with the whole family, day three: the long walk along the "
     "cliffs to the lighthouse and back before the rain came in from the sea.jpg",
     2, 960, 640, "JPEG"),
]
# Photos with a camera's Exif: their page lists when they were taken and the camera.
EXIF = {"Lagoon.jpg": camera_exif("Apple", "iPhone 13 Pro", "2023:02:21 14:33:08", "+03:00")}


def seed(context) -> list[dict]:
    """Upload the pictures as this browser (the Delete page offers them)."""
    page = context.new_page()
    page.goto("/upload/")
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    images = []
    for name, number, width, height, fmt in PICTURES:
        response = context.request.post("/upload/", headers={
            "Accept": "application/json", "X-CSRFToken": token,
        }, multipart={"file": {"name": name, "mimeType": "application/octet-stream",
                               "buffer": picture(number, width, height, fmt,
                                                 exif=EXIF.get(name))}})
        assert response.status == 201, response.text()
        images.append(response.json()["image"])
    page.close()
    return images


def shoot(page, name: str):
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=OUT / f"{name}.png", animations="disabled", caret="initial")
    print("wrote", (OUT / f"{name}.png").relative_to(BASE_DIR))


def pages(context, images, suffix):
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    shoot(page, f"gallery-{suffix}")
    page.goto("/view/")
    shoot(page, f"view-{suffix}")
    page.goto(f"/images/{images[2]['id']}/")
    shoot(page, f"image-{suffix}")
    page.keyboard.press("f")  # the viewer, over the whole window
    expect(page.locator("#viewer")).to_be_visible()
    shoot(page, f"viewer-{suffix}")
    page.goto("/delete/")
    shoot(page, f"delete-{suffix}")
    # Finding images: a search in the gallery, a picker, several chosen to delete.
    page.goto("/?q=e")
    shoot(page, f"search-{suffix}")
    page.goto("/view/?q=s")
    shoot(page, f"picker-{suffix}")
    page.goto("/delete/?" + "&".join(f"id={image['id']}" for image in images[:3]))
    shoot(page, f"deletemany-{suffix}")
    page.close()


def new_images_pill(context, suffix):
    """Scrolled down when two images arrive: the pill, the count in the title."""
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    # Room to scroll on a tall screen too (CSSOM: the page's CSP allows it);
    # the first row just out of view, where the new tiles land.
    page.evaluate("document.body.style.paddingBottom = '100vh'")
    page.evaluate("window.scrollTo(0, document.querySelector('#gallery .tile')"
                  ".getBoundingClientRect().bottom + window.scrollY + 8)")
    arrived = []
    for number, name in enumerate(["Tide pool.jpg", "Moss.jpg"]):
        response = context.request.post("/api/images/", multipart={"file": {
            "name": name, "mimeType": "image/jpeg", "buffer": picture(number, 640, 480, "JPEG"),
        }})
        arrived.append(response.json())
    expect(page.locator("#new-pill")).to_have_text("2 new images — show")
    shoot(page, f"newimages-{suffix}")
    page.close()
    for image in arrived:  # the other pictures show the gallery without them
        context.request.delete(f"/api/images/{image['id']}/",
                               headers={"Authorization": f"Bearer {image['delete_token']}"})


def upload_page(context, suffix, number):
    """Two finished uploads with their links, one refused, one on its way (a
    throttled network). Pictures of their own per variant (`number`), so none
    is a copy of another variant's."""
    page = context.new_page()
    page.goto("/upload/")
    page.get_by_label("Images").set_input_files([
        {"name": "Lighthouse.jpg", "mimeType": "image/jpeg",
         "buffer": picture(5, 640, 480 + number, "JPEG")},
        {"name": "shopping-list.txt", "mimeType": "text/plain", "buffer": b"milk, eggs"},
        {"name": "Pebbles.png", "mimeType": "image/png", "buffer": picture(2, 320, 240 + number)},
    ])
    expect(page.locator(".upload[data-state=done]")).to_have_count(2)
    expect(page.locator(".upload[data-state=failed]")).to_have_count(1)
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000,
    })
    page.get_by_label("Images").set_input_files([
        {"name": "Holiday video still.png", "mimeType": "image/png", "buffer": bytes(4_000_000)},
    ])
    page.wait_for_function(
        "() => document.querySelector('.upload[data-state=uploading] progress')?.value >= 30"
    )
    page.evaluate("document.activeElement.blur()")
    page.screenshot(path=OUT / f"upload-{suffix}.png", animations="disabled", caret="initial")
    print("wrote", (OUT / f"upload-{suffix}.png").relative_to(BASE_DIR))
    page.get_by_role("button", name="Cancel").click()
    page.close()


def upload_links_page(context, suffix):
    """A display name typed for two files (the note), one of them a copy of a
    picture already in the gallery (*Already in the gallery as …*)."""
    page = context.new_page()
    page.goto("/upload/")
    _name, number, width, height, fmt = PICTURES[2]
    page.get_by_label("Images").set_input_files([
        {"name": "IMG_2041.JPG", "mimeType": "image/jpeg",
         "buffer": picture(number, width, height, fmt)},
    ])
    expect(page.locator(".upload[data-state=done] .duplicate")).to_be_visible()
    page.get_by_label("Display name").fill("Our trip.jpg")
    page.get_by_label("Images").set_input_files([
        {"name": "Rock pool.png", "mimeType": "image/png", "buffer": picture(6, 300, 200)},
        {"name": "Tide.png", "mimeType": "image/png", "buffer": picture(7, 300, 200)},
    ])
    expect(page.locator(".upload[data-state=done]")).to_have_count(3)
    page.evaluate("document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, f"upload-links-{suffix}")
    page.close()


DROP = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: "image/png" }));
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: files, bubbles: true, cancelable: true };
    document.body.dispatchEvent(new DragEvent(kind, init));
  }
}"""


def gallery_drop_page(context, suffix, number):
    """A picture dropped on the gallery: its row in the panel, with its links."""
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    data = base64.b64encode(picture(3, 320, 200 + number)).decode()
    page.evaluate(DROP, ["Dropped on the gallery.png", data])
    expect(page.locator(".drop-item[data-state=done]")).to_have_count(1)
    shoot(page, f"gallery-drop-{suffix}")
    page.close()


def main():
    if not CHROMIUM.exists():
        sys.exit(f"make screenshots needs Chromium at {CHROMIUM} (apt-get install -y chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        if re.fullmatch(r"[a-z-]+-(desktop|phone)-(light|dark)\.png", old.name):
            old.unlink()
    with tempfile.TemporaryDirectory() as root, LiveServer(Path(root)) as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        owner = browser.new_context(base_url=server.url, locale="en-US")
        images = seed(owner)
        state = owner.storage_state()
        variants = [(device, scheme) for device in DEVICES for scheme in SCHEMES]
        contexts = {
            variant: browser.new_context(
                base_url=server.url, locale="en-US", storage_state=state,
                color_scheme=variant[1], reduced_motion="reduce", **DEVICES[variant[0]],
            )
            for variant in variants
        }
        for (device, scheme), context in contexts.items():
            pages(context, images, f"{device}-{scheme}")
            new_images_pill(context, f"{device}-{scheme}")
        # Last: these uploads add to the gallery the other pictures show.
        for number, ((device, scheme), context) in enumerate(contexts.items()):
            upload_page(context, f"{device}-{scheme}", number)
            upload_links_page(context, f"{device}-{scheme}")
            gallery_drop_page(context, f"{device}-{scheme}", number)
        browser.close()


if __name__ == "__main__":
    main()
