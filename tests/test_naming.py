"""Display names: sanitised, bounded, numbered on collision, also under races."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from images.models import Image
from images.naming import MAX_LENGTH, numbered, numbers_in_use, sanitise_name
from images.services import image_create
from tests.conftest import files_of_all_images
from tests.corpus import hostile_names, png_bytes


@pytest.mark.parametrize(("raw", "description"), hostile_names(), ids=lambda v: repr(v)[:40])
def test_hostile_names_become_safe_display_names(raw, description):
    name = sanitise_name(raw, default_extension="png")

    assert name, description
    assert len(name) <= MAX_LENGTH
    assert "/" not in name and "\\" not in name
    assert name not in {".", ".."} and not name.startswith(".") and not name.endswith(".")
    assert all(ch.isprintable() for ch in name), description
    assert not any(ch in name for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cat.png", "cat.png"),
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\me\\Desktop\\cat.jpg", "cat.jpg"),
        ("  spaced   out  .png ", "spaced out.png"),
        ("cat\u202egnp.exe", "catgnp.exe"),
        ("line\nbreak.png", "line break.png"),
        ("", "image.png"),
        ("..", "image.png"),
        ("holiday", "holiday.png"),
        ("<script>alert(1)</script>.png", "script>.png"),
    ],
)
def test_sanitise_name_examples(raw, expected):
    assert sanitise_name(raw, default_extension="png") == expected


def test_a_long_name_is_cut_to_255_characters_keeping_its_extension():
    name = sanitise_name("a" * 400 + ".jpeg", default_extension="jpg")

    assert len(name) == 255
    assert name.endswith("a.jpeg")


def test_numbered_names_of_a_long_name_still_fit():
    name = sanitise_name("b" * 300 + ".png", default_extension="png")

    assert len(numbered(name, 12)) == 255
    assert numbered(name, 12).endswith(" (12).png")
    assert numbers_in_use(name, [numbered(name, 2), numbered(name, 12), name]) == {2, 12}


def test_numbers_in_use_ignores_names_that_only_look_alike():
    assert numbers_in_use("cat.png", ["cat (2).png", "cat (3).jpg", "cats (4).png"]) == {2}


@pytest.mark.django_db(transaction=True)
def test_racing_uploads_of_one_name_all_get_distinct_names(store):
    """Eight threads upload cat.png at once; the unique constraint sorts them out."""
    barrier = threading.Barrier(8)
    names, errors = [], []

    def upload():
        try:
            barrier.wait(timeout=10)
            file = SimpleUploadedFile("cat.png", png_bytes())
            names.append(image_create(file=file).image.name)
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(names) == sorted(["cat.png"] + [f"cat ({n}).png" for n in range(2, 9)])
    assert Image.objects.count() == 8
    assert store.names() == files_of_all_images()
    assert len(store.names()) == 8 * 3
