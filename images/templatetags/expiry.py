"""`{{ image.expires_at|time_left }}`: "3 hours", "5 minutes" (one unit, rounded down)."""

from django import template
from django.utils.timesince import timeuntil

register = template.Library()


@register.filter
def time_left(moment) -> str:
    return timeuntil(moment, depth=1) if moment else ""
