"""Filters for the API docs page (images.schema)."""

import re

from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

register = template.Library()

CODE_SPAN = re.compile(r"`([^`]+)`")


@register.filter
def prose(text: str) -> str:
    """The OpenAPI description's text as paragraphs, `code spans` as <code>.

    Escaped first: only the markup added here is HTML.
    """
    if not text.strip():
        return ""
    return mark_safe(linebreaks(CODE_SPAN.sub(r"<code>\1</code>", escape(text.strip()))))
