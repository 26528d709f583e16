"""Display names: cleaned of anything that could mislead or break a page.

A display name is shown, never used as a path (files are named by id), but it
still travels into HTML, JSON, logs and Content-Disposition headers, so it is
reduced to printable text: no directory parts, no control or bidi-override
characters, at most 255 characters, the extension kept when shortened.
"""

import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath

MAX_LENGTH = 255
MAX_EXTENSION_LENGTH = 10
# Cc: control characters; Cf: format characters, among them the bidi overrides
# (U+202A–U+202E, U+2066–U+2069) and zero-width joiners; Co/Cs/Cn: private,
# surrogate and unassigned code points; Zl/Zp: line and paragraph separators.
REMOVED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
NUMBERED = re.compile(r"^(?P<stem>.*) \((?P<n>\d+)\)$")


def sanitise_name(raw: str | None, *, default_extension: str) -> str:
    """A safe display name from whatever the client sent; never empty."""
    text = printable(raw or "")
    # The last path component, whichever separator the client's system uses.
    text = re.split(r"[/\\]", text)[-1]
    text = re.sub(r" {2,}", " ", text).strip(" .")
    stem, extension = split_extension(text)
    if not stem:
        stem = "image"
    if not extension:
        extension = "." + default_extension
    return fit(stem, extension)


def printable(text: str) -> str:
    """`text` in NFC with control and format characters gone, every space a plain one.

    Also what makes a name safe to store at all: PostgreSQL refuses NUL in text.
    """
    return "".join(
        " " if ch.isspace() else ch
        for ch in unicodedata.normalize("NFC", text)
        if unicodedata.category(ch) not in REMOVED_CATEGORIES or ch in "\t\n\r"
    )


def split_extension(name: str) -> tuple[str, str]:
    suffix = PurePosixPath(name).suffix if name else ""
    if not suffix or len(suffix) > MAX_EXTENSION_LENGTH + 1 or suffix == name:
        return name, ""
    return name[: -len(suffix)], suffix


def fit(stem: str, extension: str, marker: str = "") -> str:
    """stem + marker + extension cut to MAX_LENGTH by shortening the stem."""
    room = MAX_LENGTH - len(marker) - len(extension)
    return stem[:room].rstrip(" .") + marker + extension


def numbered(name: str, n: int) -> str:
    """The n-th name of the duplicate-name convention: cat.png → cat (n).png."""
    stem, extension = split_extension(name)
    return fit(stem, extension, f" ({n})")


def numbers_in_use(name: str, names: Iterable[str]) -> set[int]:
    """Which n already have `numbered(name, n)` among `names`."""
    in_use = set()
    for other in names:
        stem, _ = split_extension(other)
        if (match := NUMBERED.match(stem)) and numbered(name, int(match["n"])) == other:
            in_use.add(int(match["n"]))
    return in_use
