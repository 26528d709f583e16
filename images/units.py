"""Sizes in binary units with their IEC names: 1 KiB = 1024 bytes, "20 MiB".

Django's `filesizeformat` divides by 1024 too but calls the result "MB", so
the README's "20 MiB" limit read "20.0 MB" on the pages. Every size a person
reads (pages, form help, error messages, the admin) goes through this one
function, in the visitor's language and number format ("1,5 МиБ").
"""

from django.utils import formats
from django.utils.html import avoid_wrapping
from django.utils.translation import gettext, ngettext

KIB = 1 << 10


def binary_size(size) -> str:
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = 0
    sign, size = ("-", -size) if size < 0 else ("", size)
    if size < KIB:
        return avoid_wrapping(sign + ngettext("%(size)d byte", "%(size)d bytes", size) % {
            "size": size})
    units = [
        gettext("%s KiB"), gettext("%s MiB"), gettext("%s GiB"), gettext("%s TiB"),
        gettext("%s PiB"),
    ]
    value, unit = size / KIB, 0
    # Compared rounded, so 1023.96 KiB reads "1 MiB" rather than "1024 KiB".
    while round(value, 1) >= KIB and unit < len(units) - 1:
        value, unit = value / KIB, unit + 1
    value = round(value, 1)
    number = formats.number_format(int(value)) if value.is_integer() else formats.number_format(
        value, 1)
    return avoid_wrapping(sign + units[unit] % number)
