"""Line references in the docs point at what the text says is there.

A reference to lines of this project is a link with the line in its anchor
and, as its title, a snippet of that line (`a … b` for a range: `a` on the
first line, `b` on the last):

    [images/views.py:26](../images/views.py#L26 "Paginator(Image.objects")

(a `"` in the snippet is written `\"`), so when code moves, this test names
every reference that no longer matches and where its snippet is now.

    .venv/bin/python -m tests.test_doc_references --fix

moves each reference to the occurrence of its snippet nearest to where it
was; a snippet that is gone (its code changed or moved to another file) is
listed for a person to rewrite.
"""

import re
import sys
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


def unescape(title: str) -> str:
    return re.sub(r"\\(.)", r"\1", title)


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
    snippets = unescape(title).split(" … ")
    assert len(snippets) == (1 if first == last else 2), "one snippet per line, ' … ' for a range"
    assert first <= last <= len(lines), f"{name} has {len(lines)} lines"
    for line, snippet in zip((first, last), snippets, strict=False):
        assert snippet in lines[line - 1], (
            f"{name}:{line} no longer holds {snippet!r}; it is on line(s) "
            f"{lines_holding(lines, snippet)} (python -m tests.test_doc_references --fix)"
        )


def test_the_theory_document_has_references():
    assert sum(1 for p in references() if p.values[0].name == "theory.ru.md") >= 30


def test_every_file_the_theory_document_links_to_exists():
    document = ROOT / "docs" / "theory.ru.md"
    targets = re.findall(r"\]\(([^)\s#]+)", document.read_text())

    missing = [t for t in targets if "://" not in t and not (document.parent / t).exists()]
    assert targets and missing == []


def fix(document: Path) -> list[str]:
    """Move every reference of `document` to its snippet's nearest occurrence."""
    unfixable = []

    def moved(match: re.Match) -> str:
        text, target, first, last, title = match.groups()
        path = (document.parent / target).resolve()
        if not title or not path.is_file():
            unfixable.append(f"{text}: {target} is gone or the link has no snippet")
            return match[0]
        lines = path.read_text().splitlines()
        snippets = unescape(title).split(" … ")
        first, last = int(first), int(last or first)
        starts = lines_holding(lines, snippets[0])
        if len(snippets) == 2:
            # A range keeps about its length: its end follows its new start.
            span = 2 * (last - first) + 5
            ends = lines_holding(lines, snippets[1])
            pairs = [(a, b) for a in starts for b in ends if 0 < b - a <= span]
        else:
            pairs = [(a, a) for a in starts]
        if not pairs:
            unfixable.append(f"{text}: {title!r} is no longer in {target}")
            return match[0]
        start, end = min(pairs, key=lambda pair: (abs(pair[0] - first), pair[1]))
        name = path.relative_to(ROOT).as_posix()
        if start == end and len(snippets) == 1:
            return f'[{name}:{start}]({target}#L{start} "{title}")'
        return f'[{name}:{start}-{end}]({target}#L{start}-L{end} "{title}")'

    document.write_text(LINK.sub(moved, document.read_text()))
    return unfixable


if __name__ == "__main__" and sys.argv[1:] == ["--fix"]:
    left = [problem for document in DOCUMENTS for problem in fix(document)]
    print("\n".join(left) or "every reference points at its snippet")
    sys.exit(1 if left else 0)
