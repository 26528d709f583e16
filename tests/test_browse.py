"""Finding images: search by name (gallery, API, pickers), numbered pages, and
the Delete page's multi-select."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from images.models import Image
from tests.conftest import files_of_all_images, stored_files
from tests.corpus import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def page_upload(client, *names):
    for name in names:
        response = client.post("/upload/", {"file": [SimpleUploadedFile(name, png_bytes())]})
        assert response.status_code == 303
    return list(Image.objects.filter(name__in=names).order_by("pk"))


def many(count: int, name="{n}.png"):
    now = timezone.now()
    Image.objects.bulk_create(
        Image(
            name=name.format(n=n), path=f"images/{n + 1}.png", size=100, date=now,
            content_type="image/png", width=8, height=8, sha256="0" * 64,
            delete_token_digest="0" * 64, has_thumbnails=True,
        )
        for n in range(count)
    )


def ids_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-image-id="(\d+)"', html) if n != "0"]


# Search by name


def test_the_gallery_finds_names_containing_the_term_ignoring_case(client, make_image):
    cat = make_image("Black Cat.png").image
    make_image("dog.png")
    russian = make_image("Кот на крыше.jpg").image

    assert ids_in(client.get("/", {"q": "cAT"}).content.decode()) == [cat.pk]
    assert ids_in(client.get("/", {"q": "кот"}).content.decode()) == [russian.pk]
    assert ids_in(client.get("/", {"q": "КРЫШ"}).content.decode()) == [russian.pk]
    html = client.get("/", {"q": "  cat "}).content.decode()
    assert ids_in(html) == [cat.pk]
    assert 'value="cat"' in html and 'id="image-count">1<' in html


def test_search_treats_like_wildcards_as_plain_text(client, make_image):
    make_image("100% pure.png")
    make_image("1000 pure.png")
    make_image("a_b.png")
    make_image("axb.png")

    assert len(ids_in(client.get("/", {"q": "0%"}).content.decode())) == 1
    assert len(ids_in(client.get("/", {"q": "a_b"}).content.decode())) == 1


def test_an_empty_search_result_says_so_and_offers_all_images(client, make_image):
    make_image("cat.png")

    response = client.get("/", {"q": "zebra"})

    html = response.content.decode()
    assert response.status_code == 200
    assert ids_in(html) == []
    assert "No image's name contains “zebra”." in html
    assert '<div class="empty" id="empty-state">' in html  # not hidden
    assert "Show all images" in html


@pytest.mark.parametrize("term", ["x" * 101, "a\x00b", "tab\there"])
def test_a_bad_search_is_a_clear_400_everywhere(client, term):
    gallery = client.get("/", {"q": term})
    api = client.get("/api/images/", {"q": term})
    view = client.get("/view/", {"q": term})
    delete = client.get("/delete/", {"q": term})

    assert gallery.status_code == view.status_code == delete.status_code == 400
    assert "at most 100 characters" in gallery.content.decode()
    assert "at most 100 characters" in view.content.decode()
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid_query"


def test_the_api_searches_and_its_links_keep_the_search(client, make_image):
    for n in range(5):
        make_image(f"cat {n}.png")
    make_image("dog.png")

    first = client.get("/api/images/", {"q": "CAT", "page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 5
    assert [image["name"] for image in first["results"]] == ["cat 4.png", "cat 3.png"]
    assert "q=CAT" in first["next"] and "page=2" in first["next"]
    assert [image["name"] for image in second["results"]] == ["cat 2.png", "cat 1.png"]
    assert "q=CAT" in second["previous"]
    assert client.get("/api/images/", {"q": ""}).json()["count"] == 6


# Numbered pages


def test_gallery_pages_are_numbered_with_ellipses_and_keep_the_search(client, settings):
    settings.GALLERY_PAGE_SIZE = 2
    many(30, "cat {n}.png")  # 15 pages

    html = client.get("/", {"q": "cat", "page": 7}).content.decode()
    nav = html[html.index('<nav class="pager"'):]
    nav = nav[:nav.index("</nav>")]
    numbers = re.findall(r'aria-label="Page (\d+)"', nav)

    assert numbers == ["1", "5", "6", "7", "8", "9", "15"]
    assert nav.count("…") == 2
    assert 'href="?q=cat&amp;page=7" aria-current="page"' in nav
    assert 'href="?q=cat&amp;page=6" rel="prev"' in nav
    assert 'href="?q=cat&amp;page=8" rel="next"' in nav
    assert 'aria-label="Pages"' in nav


@pytest.mark.parametrize("path", ["/", "/?q=1", "/view/", "/view/?q=1", "/delete/?q=1"])
def test_every_page_of_a_list_takes_the_same_few_queries(client, settings, path):
    staff = get_user_model().objects.create_user("s", password="pw", is_staff=True)
    client.force_login(staff)
    many(500)
    separator = "&" if "?" in path else "?"

    counts = []
    for page in (1, 3, 999):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{path}{separator}page={page}").status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1] == counts[2] <= 5, counts


# Pickers


def test_the_view_picker_searches_pages_and_links_to_image_pages(client, make_image):
    cat = make_image("cat.png").image
    make_image("dog.png")

    html = client.get("/view/", {"q": "CA"}).content.decode()

    assert ids_in(html) == [cat.pk]
    assert f'href="/images/{cat.pk}/"' in html
    assert f'src="/image/{cat.pk}/w320.webp"' in html
    assert f'src="/image/{cat.pk}"' not in html
    assert 'value="CA"' in html and 'role="search"' in html


def test_the_view_picker_is_paginated(client):
    many(60)

    first = client.get("/view/").content.decode()
    third = client.get("/view/", {"page": 3}).content.decode()

    assert len(ids_in(first)) == 24 and len(ids_in(third)) == 12
    assert not set(ids_in(first)) & set(ids_in(third))
    assert 'href="?page=2"' in first


def test_the_delete_picker_offers_only_this_browsers_images_searchable(client, other_client):
    mine = page_upload(client, "cat mine.png", "dog mine.png")
    page_upload(other_client, "cat theirs.png")

    html = client.get("/delete/", {"q": "cat"}).content.decode()

    assert ids_in(html) == [mine[0].pk]
    assert f'name="id" value="{mine[0].pk}"' in html
    assert "Three ways to delete" in html and 'href="/admin/"' in html


def test_staff_see_every_image_in_the_delete_picker(client, other_client):
    theirs = page_upload(other_client, "theirs.png")
    client.force_login(get_user_model().objects.create_user("s", password="pw", is_staff=True))

    assert ids_in(client.get("/delete/").content.decode()) == [theirs[0].pk]


# Several at once


def test_several_chosen_images_are_confirmed_on_one_page_with_previews(client):
    images = page_upload(client, "a.png", "b.png", "c.png")

    response = client.get("/delete/", {"id": [image.pk for image in images]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete 3 images?" in html
    for image in images:
        assert f'<input type="hidden" name="id" value="{image.pk}">' in html
        assert f'src="/image/{image.pk}/w320.webp"' in html
        assert f'src="/image/{image.pk}"' not in html
    assert Image.objects.count() == 3


def test_one_post_deletes_all_chosen_files_and_all(client, media_root):
    images = page_upload(client, "a.png", "b.png", "keep.png")

    response = client.post("/delete/", {"id": [images[0].pk, images[1].pk]})

    assert response.status_code == 303
    assert response["Location"] == "/delete/"
    assert list(Image.objects.values_list("name", flat=True)) == ["keep.png"]
    assert stored_files(media_root) == files_of_all_images()
    assert "Deleted 2 images." in client.get("/delete/").content.decode()


def test_images_gone_or_not_yours_are_reported_not_deleted(client, other_client, media_root):
    mine = page_upload(client, "mine.png")[0]
    theirs = page_upload(other_client, "theirs.png")[0]
    chosen = [mine.pk, theirs.pk, 999_999]

    confirm = client.get("/delete/", {"id": chosen}).content.decode()
    response = client.post("/delete/", {"id": chosen})

    assert "2 chosen images are left out" in confirm
    assert f'name="id" value="{theirs.pk}"' not in confirm
    assert response.status_code == 303
    assert list(Image.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert stored_files(media_root) == files_of_all_images() != []
    after = client.get("/delete/").content.decode()
    assert "Deleted 1 image." in after
    assert "2 images were not deleted" in after


def test_a_post_of_only_others_images_deletes_nothing_and_says_so(client, other_client):
    theirs = page_upload(other_client, "a.png", "b.png")

    response = client.post("/delete/", {"id": [image.pk for image in theirs]})

    assert response.status_code == 303
    assert Image.objects.count() == 2
    assert "Deleted 0 images." in client.get("/delete/").content.decode()
    assert client.get("/delete/", {"id": [image.pk for image in theirs]}).status_code == 403


@pytest.mark.parametrize("bad", [["1", "x"], ["1", ""], ["1", "-3"], ["1", "2.5"]])
def test_a_malformed_id_among_several_is_a_400_form(client, bad):
    for method in (client.get, client.post):
        response = method("/delete/", {"id": bad})

        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode()


def test_too_many_ids_at_once_is_a_400(client):
    response = client.post("/delete/", {"id": [str(n) for n in range(1, 102)]})

    assert response.status_code == 400
    assert "at most 100 images at once" in response.content.decode()


def test_ids_past_the_databases_integers_are_simply_not_found(client):
    huge = ["9" * 40, str(2**63)]

    assert client.get("/delete/", {"id": huge}).status_code == 404
    assert client.post("/delete/", {"id": huge}).status_code == 303
    assert "2 images were not deleted" in client.get("/delete/").content.decode()


def test_the_multi_delete_needs_the_csrf_token(client):
    images = page_upload(client, "a.png", "b.png")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies

    response = strict.post("/delete/", {"id": [image.pk for image in images]})

    assert response.status_code == 403
    assert Image.objects.count() == 2


# The page cache (images.pagecache): the search is part of the key


def test_cached_gallery_copies_are_kept_apart_by_search_and_page(settings, make_image):
    settings.PAGE_CACHE = True
    settings.GALLERY_PAGE_SIZE = 1
    cat = make_image("cat.png").image
    dog = make_image("dog.png").image

    def get(path):
        with CaptureQueriesContext(connection) as captured:
            response = Client().get(path)
        assert response.status_code == 200
        return len(captured), ids_in(response.content.decode())

    assert get("/?q=cat")[1] == [cat.pk]
    assert get("/?q=dog")[1] == [dog.pk]
    assert get("/?page=2")[1] == [cat.pk]
    assert get("/?q=cat") == (0, [cat.pk])  # a copy, and the right one
    assert get("/?q=dog") == (0, [dog.pk])
    bad = Client().get("/?q=%00")
    assert bad.status_code == 400 and Client().get("/?q=%00").status_code == 400

    kitten = make_image("Kitten CAT.png").image  # commits: every copy is stale

    assert get("/?q=cat")[1] == [kitten.pk]
