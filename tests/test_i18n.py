"""English and Russian: pages, form and JSON messages, the switcher, the catalog."""

import ast
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from images.errors import ImageTooLarge, RateLimited
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

CATALOG = settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES"
RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9,en;q=0.5"}


@pytest.mark.parametrize("path", ["/", "/upload/", "/view/", "/delete/"])
def test_a_russian_browser_gets_russian_pages(client, path):
    html = client.get(path, **RUSSIAN).content.decode()

    assert '<html lang="ru">' in html
    for word in ("Галерея", "Загрузка", "Просмотр", "Удаление", "К содержимому"):
        assert word in html


def test_without_accept_language_the_pages_are_english(client):
    html = client.get("/upload/").content.decode()

    assert '<html lang="en">' in html
    assert "Upload images" in html and "Загрузка" not in html


def test_the_gallery_page_carries_its_live_texts_translated(client):
    html = client.get("/", **RUSSIAN).content.decode()

    assert 'data-label-live="В реальном времени"' in html
    assert 'data-label-reconnecting="Переподключение…"' in html
    assert "Изображений в галерее:" in html and "Изображений пока нет." in html


def test_the_upload_script_gets_its_texts_translated(client):
    html = client.get("/upload/", **RUSSIAN).content.decode()

    assert 'data-text-cancelled="Отменено; ничего не сохранено."' in html
    assert ">Отменить</button>" in html
    assert ">Загрузить</button>" in html


def test_a_russian_client_gets_russian_json_errors_from_the_api(client):
    response = client.post(
        "/api/images/", {"file": SimpleUploadedFile("notes.png", b"plain text")}, **RUSSIAN
    )

    assert response.status_code == 415
    assert response.json()["error"] == {
        "code": "unsupported_image",
        "message": "Файл не является изображением PNG, JPEG, GIF, WebP, AVIF или HEIC.",
    }


def test_a_russian_browser_gets_russian_json_errors_from_the_upload_page(client):
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("empty.png", b"")},
        HTTP_ACCEPT="application/json", **RUSSIAN,
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Файл пуст."


def test_form_errors_are_russian_too(client):
    response = client.post("/upload/", {"name": "x"}, **RUSSIAN)

    assert "Выберите хотя бы одно изображение для загрузки." in response.content.decode()


def test_messages_with_numbers_follow_russian_plural_rules():
    with translation.override("ru"):
        assert RateLimited(1).message.endswith("через 1 секунду.")
        assert RateLimited(3).message.endswith("через 3 секунды.")
        assert RateLimited(25).message.endswith("через 25 секунд.")
        assert "50,000,000" in ImageTooLarge(50_000_000, pixels=60_000_000).message


def test_the_switcher_sets_the_language_and_returns_to_the_page(client):
    page = client.get("/upload/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'value="ru" lang="ru"' in page

    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/upload/"})

    assert response.status_code == 302
    assert response["Location"] == "/upload/"
    html = client.get("/upload/").content.decode()
    assert "Загрузка изображений" in html
    assert 'value="ru" lang="ru" aria-current="true"' in html


def test_the_switcher_refuses_a_foreign_next_address(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_russian_upload_page_post_shows_russian_errors(client):
    response = client.post(
        "/upload/",
        {"file": [SimpleUploadedFile("ok.png", png_bytes()), SimpleUploadedFile("no.png", b"x")]},
        **RUSSIAN,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Эти файлы не загружены:" in html
    assert "Файл не является изображением PNG, JPEG, GIF, WebP, AVIF или HEIC." in html


# The catalog: complete, compiled, and in step with the sources.


def po_entries(path: Path) -> dict[tuple[str | None, str], dict]:
    """msgctxt/msgid -> {"msgstr": [...], "fuzzy": bool}; enough of the PO format for ours."""
    entries, entry, key = {}, None, None

    def finish():
        if entry and entry.get("msgid"):
            entries[(entry.get("msgctxt"), entry["msgid"])] = entry

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            finish()
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"msgstr": {}, "fuzzy": False}
        if line.startswith("#,"):
            entry["fuzzy"] = entry["fuzzy"] or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)  # PO strings escape as Python's do
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += value
            else:
                entry[key] += value
        else:
            word, _, literal = line.partition(" ")
            value = ast.literal_eval(literal)
            plural = re.fullmatch(r"msgstr\[(\d+)\]", word)
            if plural:
                key = ("msgstr", int(plural.group(1)))
                entry["msgstr"][key[1]] = value
            elif word == "msgstr":
                key = ("msgstr", 0)
                entry["msgstr"][0] = value
            else:
                key = word
                entry[key] = value
    return entries


def test_the_russian_catalog_is_complete():
    entries = po_entries(CATALOG / "django.po")

    assert len(entries) > 50
    untranslated = [k for k, e in entries.items() if e["fuzzy"] or not all(e["msgstr"].values())]
    assert untranslated == []
    plurals = [e for e in entries.values() if "msgid_plural" in e]
    assert plurals and all(len(e["msgstr"]) == 4 for e in plurals)


def test_the_compiled_catalog_matches_the_po_file_without_gnu_gettext():
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)

    for (context, msgid), entry in po_entries(CATALOG / "django.po").items():
        if "msgid_plural" in entry:
            assert catalog.ngettext(msgid, entry["msgid_plural"], 1) == entry["msgstr"][0]
        elif context:
            assert catalog.pgettext(context, msgid) == entry["msgstr"][0]
        else:
            assert catalog.gettext(msgid) == entry["msgstr"][0], msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_every_interface_string_is_in_the_catalog(tmp_path):
    """makemessages on a copy of the sources finds no string the catalog lacks."""
    for name in ("manage.py", "core", "images", "realtime", "templates", "locale"):
        source = settings.BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete", "-v", "0"],
        cwd=tmp_path, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true"},
    )

    fresh = po_entries(tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po")
    assert set(fresh) == set(po_entries(CATALOG / "django.po"))
