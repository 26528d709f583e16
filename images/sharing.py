"""What an uploader copies to share an image: ready-made snippets.

Each embeds the direct link (`url`) and links it to the image's page, the
way image hosts hand them out. static/js/upload.js builds the same strings
for the uploads it sends itself (tests/e2e/test_upload_links.py compares).
"""

from django.utils.html import escape

MARKDOWN_SPECIAL = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]"})


def snippets(*, name: str, url: str, page_url: str) -> dict[str, str]:
    """Markdown, HTML and BBCode for an image whose absolute addresses are given."""
    return {
        "markdown": f"[![{name.translate(MARKDOWN_SPECIAL)}]({url})]({page_url})",
        "html": f'<a href="{escape(page_url)}"><img src="{escape(url)}" alt="{escape(name)}"></a>',
        "bbcode": f"[url={page_url}][img]{url}[/img][/url]",
    }


def share_of(data: dict) -> dict[str, str]:
    """The snippets of an image object (images.serializers.image_data)."""
    return snippets(name=data["name"], url=data["url"], page_url=data["page_url"])
