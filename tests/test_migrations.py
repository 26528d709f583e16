"""Data migrations, run for real on the test database: rows stored before
0008 get the dimensions as displayed and a placeholder."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image as PILImage

from images.models import Image
from tests.corpus import jpeg_bytes, png_bytes

BEFORE = [("images", "0007_image_placeholder")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_sideways_photos_are_turned_and_every_image_gets_a_placeholder(media_root):
    old_apps = migrate(BEFORE)
    OldImage = old_apps.get_model("images", "Image")
    exif = PILImage.Exif()
    exif[0x0112] = 6  # stored 40 × 24, shown 24 × 40
    files = {
        "images/1.jpg": jpeg_bytes(40, 24, exif=exif),
        "images/2.png": png_bytes(30, 20),
    }
    for number, (name, data) in enumerate(files.items(), start=1):
        default_storage.save(name, ContentFile(data))
        stored = PILImage.open(default_storage.open(name))
        OldImage.objects.create(
            id=number, name=name, path=name, size=len(data), sha256="0" * 64,
            content_type="image/jpeg" if name.endswith("jpg") else "image/png",
            width=stored.width, height=stored.height, delete_token_digest="x",
        )
    OldImage.objects.create(  # its file is gone: left as it was
        id=3, name="gone.png", path="images/3.png", size=1, sha256="0" * 64,
        content_type="image/png", width=5, height=7, delete_token_digest="x",
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = {image.pk: image for image in Image.objects.all()}
    assert (rows[1].width, rows[1].height) == (24, 40)
    assert (rows[2].width, rows[2].height) == (30, 20)
    assert (rows[3].width, rows[3].height, rows[3].placeholder) == (5, 7, "")
    for pk in (1, 2):
        assert rows[pk].placeholder.startswith("data:image/webp;base64,")
