"""Line references in the docs point at what the text says is there.

A reference to lines of this project is a link with the line in its anchor
and, as its title, a snippet of that line (`a … b` for a range: `a` on the
first line, `b` on the last):

    [images/views.py:26](../images/views.py#L26 "Paginator(Image.objects")

(a `"` in the snippet is written `\"`), so when code moves, this test names
every reference that no longer matches and where its snippet is now.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r'\[([^\]]+)\]\(([^)\s#]+)#L(\d+)(?:-L(\d+))?(?: "((?:[^"\\]|\\.)*)")?\)')


def references():
    for document in DOCUMENTS:
        for number, line in enumerate(document.read_text().splitlines(), 1):
            for match in LINK.finditer(line):
                where = f"{document.relative_to(ROOT)}:{number}"
                yield pytest.param(document, *match.groups(), id=f"{where} {match[1]}")


def lines_holding(lines: list[str], snippet: str) -> list[int]:
    return [number for number, line in enumerate(lines, 1) if snippet in line]


@pytest.mark.parametrize(
    ("document", "text", "target", "first", "last", "title"), list(references())
)
def test_the_reference_points_at_its_snippet(document, text, target, first, last, title):
    path = (document.parent / target).resolve()
    name = path.relative_to(ROOT).as_posix()
    first, last = int(first), int(last or first)
    assert path.is_file(), f"{target} does not exist"
    assert title, f"{text}: give the line's snippet as the link title"
    assert text == (f"{name}:{first}" if first == last else f"{name}:{first}-{last}")
    lines = path.read_text().splitlines()
    snippets = re.sub(r"\\(.)", r"\1", title).split(" … ")
    assert len(snippets) == (1 if first == last else 2), "one snippet per line, ' … ' for a range"
    assert first <= last <= len(lines), f"{name} has {len(lines)} lines"
    for line, snippet in zip((first, last), snippets, strict=False):
        assert snippet in lines[line - 1], (
            f"{name}:{line} no longer holds {snippet!r}; it is on line(s) "
            f"{lines_holding(lines, snippet)}"
        )


def test_the_theory_document_has_references():
    assert sum(1 for p in references() if p.values[0].name == "theory.ru.md") >= 30


def test_every_file_the_theory_document_links_to_exists():
    document = ROOT / "docs" / "theory.ru.md"
    targets = re.findall(r"\]\(([^)\s#]+)", document.read_text())

    missing = [t for t in targets if "://" not in t and not (document.parent / t).exists()]
    assert targets and missing == []
