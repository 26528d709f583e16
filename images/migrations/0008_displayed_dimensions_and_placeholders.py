"""Existing images: width and height as displayed, and a placeholder each.

Until now `width`/`height` were the stored pixel dimensions; the contract
wants them as displayed, after the EXIF orientation. A picture stored
sideways (Orientation 5–8, phones' portrait photos) has them swapped here,
read from its stored file's header. Each image also gets the placeholder new
uploads get (images.renditions), made from its smallest stored preview, or
the original when it has none. A file that cannot be read is left as it is.
Written out here rather than imported, so the migration keeps doing what it
did when the app's code moves on.
"""

import base64
import io

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import migrations
from PIL import Image as PILImage
from PIL import ImageOps

QUARTER_TURNS = {5, 6, 7, 8}
PLACEHOLDER_SIZE = 16


def _orientation(picture) -> int:
    try:
        return picture.getexif().get(0x0112, 1)
    except Exception:  # an unreadable Exif is no orientation, as at upload
        return 1


def _placeholder(name: str) -> str:
    with default_storage.open(name, "rb") as file, PILImage.open(file) as picture:
        picture.draft("RGB", (PLACEHOLDER_SIZE * 4, PLACEHOLDER_SIZE * 4))
        alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
        picture.thumbnail((PLACEHOLDER_SIZE * 4, PLACEHOLDER_SIZE * 4))
        tiny = ImageOps.exif_transpose(picture.convert("RGBA" if alpha else "RGB"))
    tiny.thumbnail((PLACEHOLDER_SIZE, PLACEHOLDER_SIZE), PILImage.Resampling.BOX)
    buffer = io.BytesIO()
    tiny.save(buffer, "WEBP", quality=40, method=6)
    uri = "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
    return uri if len(uri) <= 1000 else ""


def forwards(apps, schema_editor):
    Image = apps.get_model("images", "Image")
    for image in Image.objects.only("path", "width", "height", "has_thumbnails").iterator():
        changed = []
        try:
            with default_storage.open(image.path, "rb") as file, PILImage.open(file) as picture:
                if _orientation(picture) in QUARTER_TURNS and picture.size == (
                    image.width, image.height
                ):
                    image.width, image.height = image.height, image.width
                    changed += ["width", "height"]
            folder = image.path.split("/", 1)[0]
            smallest = min(settings.PREVIEW_WIDTHS)
            source = (
                f"{folder}/{image.pk}.w{smallest}.webp" if image.has_thumbnails else image.path
            )
            image.placeholder = _placeholder(source)
            changed.append("placeholder")
        except Exception:  # noqa: BLE001 - a missing or unreadable file: left as it was
            pass
        if changed:
            image.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("images", "0007_image_placeholder")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
