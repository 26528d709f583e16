"""Collected static files carry their content's hash, and nginx's rule for
caching them for good matches those names (docs/deployment.md)."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

TEMPLATE = settings.BASE_DIR / "deploy/nginx/templates/default.conf.template"


def nginx_immutable_pattern() -> re.Pattern:
    """The regex of nginx's map that gives static files `immutable`."""
    rule = re.search(r'"~([^"]+)"\s+"public, max-age=31536000, immutable"', TEMPLATE.read_text())
    return re.compile(rule[1].replace("\\\\", "\\"))


def test_pages_link_hashed_names_that_nginx_caches_for_good(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)

    html = client.get("/upload/").content.decode()

    css = re.search(r'href="/static/(css/gallery\.[0-9a-f]{12}\.css)"', html)
    script = re.search(r'src="/static/(js/upload\.[0-9a-f]{12}\.js)"', html)
    assert css and script
    for name in (css[1], script[1]):
        assert (tmp_path / name).exists()
        assert nginx_immutable_pattern().search(f"/static/{name}")
    assert not nginx_immutable_pattern().search("/static/css/gallery.css")


def test_a_modules_imports_name_the_hashed_files_too(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)

    (gallery,) = (tmp_path / "js").glob("gallery.*.js")

    assert re.search(r'from "\./live\.[0-9a-f]{12}\.js"', gallery.read_text())
