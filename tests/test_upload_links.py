"""The links an uploader keeps: on the form's page, in the upload answers, in tus.

Delete links and snippets after a form upload (without JavaScript), shown
once; the note for a display name that several files could not use; images
with the same bytes; `share` in the JSON answers; Image-Duplicates in tus.
"""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from core.logs import JsonFormatter
from images import sharing
from images.models import Image
from tests.corpus import jpeg_bytes, png_bytes
from tests.tus import Tus
from tests.tus import noise_png as picture

pytestmark = pytest.mark.django_db(transaction=True)


def page_upload(client, *files, name="", follow=False):
    return client.post(
        "/upload/",
        {"file": [SimpleUploadedFile(n, data) for n, data in files], "name": name},
        follow=follow,
    )


def field(html: str, name: str) -> list[str]:
    """The values of the page's read-only link fields of one kind, in order
    (the script's empty <template> copy left out)."""
    return [v for v in re.findall(rf'data-field="{name}" readonly value="([^"]*)"', html) if v]


def delete_token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_the_upload_page_after_a_form_upload_shows_every_link(client):
    page_upload(client, ("cat.png", png_bytes()))

    response = client.get("/upload/")

    image = Image.objects.get()
    html = response.content.decode()
    direct = f"http://testserver/image/{image.pk}"
    page = f"http://testserver/images/{image.pk}/"
    assert field(html, "url") == [direct]
    assert field(html, "page_url") == [page]
    assert field(html, "markdown") == [f"[![cat.png]({direct})]({page})"]
    html_snippet = f'<a href="{page}"><img src="{direct}" alt="cat.png"></a>'
    assert field(html, "html") == [escape(html_snippet)]
    assert field(html, "bbcode") == [f"[url={page}][img]{direct}[/img][/url]"]
    (delete_url,) = field(html, "delete_url")
    assert delete_url.startswith(f"http://testserver/delete/{image.pk}/")
    assert image.has_delete_token(delete_token_of(delete_url))
    assert "Keep this link to delete the image later, from any device." in html
    assert "no-store" in response["Cache-Control"]


def test_the_delete_link_works_from_another_browser(client, other_client):
    page_upload(client, ("cat.png", png_bytes()))
    (delete_url,) = field(client.get("/upload/").content.decode(), "delete_url")

    response = other_client.post(delete_url.removeprefix("http://testserver"))

    assert response.status_code == 303
    assert Image.objects.count() == 0


def test_the_links_are_shown_once(client):
    page_upload(client, ("cat.png", png_bytes()))
    client.get("/upload/")

    html = client.get("/upload/").content.decode()

    assert field(html, "delete_url") == []
    assert "/delete/" not in html.replace('href="/delete/"', "")


def test_the_token_never_reaches_a_log_line(client, other_client, caplog):
    caplog.set_level(logging.DEBUG)
    page_upload(client, ("cat.png", png_bytes()))
    (delete_url,) = field(client.get("/upload/").content.decode(), "delete_url")
    other_client.get(delete_url)
    other_client.post(delete_url)

    formatted = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "/delete/" in formatted
    assert delete_token_of(delete_url) not in formatted


def test_the_token_is_never_in_the_redirect(client):
    response = page_upload(client, ("cat.png", png_bytes()))

    assert response["Location"] == "/upload/"


def test_another_browser_never_sees_the_links(client, other_client):
    page_upload(client, ("cat.png", png_bytes()))

    assert field(other_client.get("/upload/").content.decode(), "delete_url") == []


def test_an_image_deleted_before_the_page_is_left_out(client):
    page_upload(client, ("cat.png", png_bytes()))
    Image.objects.get().delete()

    response = client.get("/upload/")

    assert response.status_code == 200
    assert field(response.content.decode(), "delete_url") == []


def test_a_post_with_refusals_shows_the_links_of_what_was_stored(client):
    response = page_upload(client, ("good.png", png_bytes()), ("notes.png", b"not a picture"))

    html = response.content.decode()
    assert response.status_code == 400
    (delete_url,) = field(html, "delete_url")
    assert Image.objects.get().has_delete_token(delete_token_of(delete_url))
    assert "no-store" in response["Cache-Control"]


def test_a_display_name_with_several_files_is_not_used_and_the_page_says_so(client):
    page_upload(client, ("a.png", png_bytes()), ("b.jpg", jpeg_bytes()), name="Holiday")

    html = client.get("/upload/").content.decode()

    assert sorted(Image.objects.values_list("name", flat=True)) == ["a.png", "b.jpg"]
    assert (
        "The display name “Holiday” was not used: it applies to a single image, and 2 were chosen."
        in html
    )


def test_the_unused_name_note_is_on_a_page_with_refusals_too(client):
    response = page_upload(client, ("a.png", png_bytes()), ("x.png", b"text"), name="Holiday")

    assert response.status_code == 400
    assert "The display name “Holiday” was not used" in response.content.decode()


def test_a_display_name_with_one_file_gets_no_note(client):
    page_upload(client, ("a.png", png_bytes()), name="Holiday")

    assert "The display name “Holiday”" not in client.get("/upload/").content.decode()


def test_the_same_bytes_again_say_where_they_already_are_and_offer_to_remove_the_copy(client):
    data = png_bytes()
    page_upload(client, ("first.png", data))
    client.get("/upload/")
    page_upload(client, ("again.png", data))

    html = client.get("/upload/").content.decode()

    first, again = Image.objects.order_by("id")
    assert f'Already in the gallery as <a href="/images/{first.pk}/">first.png</a>.' in html
    (delete_url,) = field(html, "delete_url")
    assert f'<form method="post" action="{delete_url}"' in html
    assert client.post(delete_url).status_code == 303
    assert list(Image.objects.all()) == [first]


def test_a_new_image_says_nothing_about_copies(client):
    page_upload(client, ("first.png", png_bytes()))

    html = client.get("/upload/").content.decode()

    assert "Already in the gallery as" in html  # the script's template has it…
    assert re.search(r'<p class="duplicate" hidden>', html)  # …hidden
    assert "Remove this copy</button></form>" not in html


# --- the JSON answers and tus ---------------------------------------------------


def test_the_api_answer_carries_the_snippets(upload):
    body = upload(png_bytes(), filename="a [b].png").json()

    assert body["share"] == {
        "markdown": f"[![a \\[b\\].png]({body['url']})]({body['page_url']})",
        "html": f'<a href="{body["page_url"]}"><img src="{body["url"]}" alt="a [b].png"></a>',
        "bbcode": f"[url={body['page_url']}][img]{body['url']}[/img][/url]",
    }


def test_the_upload_pages_json_answer_carries_the_snippets(client):
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("cat.png", png_bytes())},
        headers={"Accept": "application/json"},
    )

    image = response.json()["image"]
    assert image["share"] == sharing.share_of(image)


def test_snippets_escape_what_their_language_needs():
    share = sharing.snippets(name='<b>"x" & \\y]', url="http://h/image/1", page_url="http://h/images/1/")

    assert share["markdown"] == "[![<b>\"x\" & \\\\y\\]](http://h/image/1)](http://h/images/1/)"
    assert share["html"] == (
        '<a href="http://h/images/1/"><img src="http://h/image/1" '
        'alt="&lt;b&gt;&quot;x&quot; &amp; \\y]"></a>'
    )
    assert share["bbcode"] == "[url=http://h/images/1/][img]http://h/image/1[/img][/url]"


def test_tus_completion_names_the_duplicates(settings):
    settings.UPLOAD_CHUNK_SIZE = 4096
    tus = Tus(Client())
    data = picture()

    first = tus.upload(data, 4096, filename="first.png")
    second = tus.upload(data, 4096, filename="second.png")

    assert first["Image-Duplicates"] == ""
    assert second["Image-Duplicates"] == first["Image-Id"]
