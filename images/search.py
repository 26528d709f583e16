"""Search by name (`?q=`): one reading of the term for the gallery, the
pickers and the API."""

import unicodedata
from urllib.parse import urlencode

from django.core.paginator import Paginator

from images.errors import InvalidSearch

MAX_TERM = 100


def term_of(request) -> str:
    """The request's `q`, trimmed; InvalidSearch when too long or when it holds
    control characters (PostgreSQL refuses NUL in a string: never a 500)."""
    raw = request.GET.get("q", "")
    if len(raw) > MAX_TERM or any(unicodedata.category(c) == "Cc" for c in raw):
        raise InvalidSearch(MAX_TERM)
    return raw.strip()


def page_links(page, url_of) -> list[dict]:
    """Numbered links of a page: the first, the last, the current ±2, and
    `None` where pages are left out (an ellipsis). `url_of(n)` is page n's URL."""
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return [
        None if number == Paginator.ELLIPSIS
        else {"number": number, "url": url_of(number), "current": number == page.number}
        for number in numbers
    ]


def query_url(page: int, term: str) -> str:
    """`?page=N`, with the search kept."""
    return "?" + urlencode({"q": term, "page": page} if term else {"page": page})


def navigation(page, term: str) -> dict:
    """A page's numbered links and its Newer / Older addresses, the search kept."""
    return {
        "links": page_links(page, lambda n: query_url(n, term)),
        "newer_url": query_url(page.number - 1, term) if page.has_previous() else None,
        "older_url": query_url(page.number + 1, term) if page.has_next() else None,
    }
