"""The README's examples say what the product answers today."""

import json
import re
from pathlib import Path

import pytest

from tests.corpus import png_bytes

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()

pytestmark = pytest.mark.django_db(transaction=True)


def readme_upload_answer() -> dict:
    block = re.search(r"The answer, `201 Created`.*?```json\n(.*?)```", README, re.S)
    assert block, "the README shows the upload's answer"
    return json.loads(block.group(1))


def test_the_readmes_upload_answer_has_every_field_of_a_real_one(upload):
    response = upload(png_bytes(width=640, height=480), name="Cat on the sofa.png")

    assert response.status_code == 201
    assert list(readme_upload_answer()) == list(response.json())


def test_the_readmes_one_image_answer_is_that_without_the_last_four_fields(client, upload):
    created = upload(png_bytes()).json()

    shown = client.get(f"/api/images/{created['id']}/").json()

    assert list(shown) == list(readme_upload_answer())[:-4]
    assert "without the last four fields" in README
