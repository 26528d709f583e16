"""The gallery grid: responsive, lazy, and steady while images arrive."""

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install --group e2e").expect

LAYOUT_SHIFT = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const shifts = list.getEntries().filter((e) => !e.hadRecentInput);
    resolve(shifts.reduce((sum, e) => sum + e.value, 0));
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(0), 500);
})"""


def columns(page) -> int:
    tracks = page.locator("#gallery").evaluate("g => getComputedStyle(g).gridTemplateColumns")
    return len(tracks.split())


def test_the_grid_fits_the_window(page, api):
    for seed in range(3):
        api.upload(f"grid-{seed}.png", seed=seed)
    page.goto("/")

    assert columns(page) >= 5
    page.set_viewport_size({"width": 390, "height": 844})
    assert columns(page) == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_images_are_lazy_sized_and_do_not_shift_the_layout(page, api):
    for seed in range(4):
        api.upload(f"steady-{seed}.jpg", seed=seed)
    page.goto("/")
    page.wait_for_load_state("networkidle")

    for image in page.locator("#gallery img.preview").all()[:4]:
        expect(image).to_have_attribute("loading", "lazy")
        expect(image).to_have_attribute("width", "160")
        expect(image).to_have_attribute("height", "120")
    assert page.evaluate(LAYOUT_SHIFT) == 0
