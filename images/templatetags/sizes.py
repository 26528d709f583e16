"""`{{ image.size|binary_size }}`: "1.5 MiB", "20 MiB", "512 bytes" (images.units)."""

from django import template

from images.units import binary_size

register = template.Library()
register.filter("binary_size", binary_size, is_safe=False)
