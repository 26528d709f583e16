"""Property: whatever bytes arrive, the answer is a 201 or a JSON 4xx, never a 5xx,
and a refusal leaves nothing in storage."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import files_of_all_images, stored_files
from tests.corpus import gif_bytes, jpeg_bytes, png_bytes, webp_bytes

pytestmark = pytest.mark.django_db(transaction=True)

SEEDS = [
    png_bytes(16, 16),
    png_bytes(16, 16, mode="P"),
    jpeg_bytes(16, 16),
    jpeg_bytes(16, 16, progressive=True),
    gif_bytes(frames=3, width=16, height=16),
    webp_bytes(width=16, height=16),
    webp_bytes(width=16, height=16, lossless=True),
]
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def mutated_images(draw):
    """A valid image with bytes flipped, cut, inserted or duplicated."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
    return bytes(data)


def assert_well_behaved(response, media_root):
    assert response.status_code < 500, response.content
    if response.status_code == 201:
        assert response.json()["content_type"] in {
            "image/png", "image/jpeg", "image/gif", "image/webp"
        }
    else:
        assert 400 <= response.status_code < 500
        error = response.json()["error"]
        assert error["code"] and error["message"]
    assert stored_files(media_root) == files_of_all_images()


@PROPERTY
@given(data=st.binary(max_size=2048), name=st.text(max_size=300))
def test_any_bytes_under_any_name_get_201_or_a_json_4xx(upload, media_root, data, name):
    assert_well_behaved(upload(data, "upload.bin", name=name), media_root)


@PROPERTY
@given(data=mutated_images())
def test_any_mutation_of_a_valid_image_gets_201_or_a_json_4xx(upload, media_root, data):
    assert_well_behaved(upload(data, "mutant.png"), media_root)
