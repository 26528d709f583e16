"""docs/theory.ru.md's code runs here, so what the text claims stays true.

Every ```python block of the document runs, statement by statement, in a
database of its own holding the data the document describes (DATA).
A comment on a top-level statement makes a claim that is checked:

    images.count()  # 1 запрос: SELECT COUNT(*) → 3

- `N запрос`/`запроса`/`запросов`: the statement runs exactly N SQL queries
  (not counting transaction control, BEGIN/COMMIT/SAVEPOINT…, which SQLite's
  backend sends as SQL and PostgreSQL's through the driver);
- `→ expression` (last in the comment): the statement's value equals it.

A claim inside a `with`, `for`, `def`… body could not be checked on its own,
so it is refused rather than ignored.
"""

import ast
import io
import re
import tokenize
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from images.models import ApiKey, Image

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "theory.ru.md"

# The document's "Данные примеров": three images, two uploaded with an API key.
DATA = [
    ("a.png", "image/png", 800, 600, 1000, datetime(2026, 1, 1, 10, tzinfo=UTC), "sharex"),
    ("b.png", "image/png", 300, 500, 2000, datetime(2026, 1, 2, 10, tzinfo=UTC), "script"),
    ("c.jpg", "image/jpeg", 400, 400, 3000, datetime(2026, 1, 3, 10, tzinfo=UTC), None),
]

QUERIES = re.compile(r"(\d+) запрос(?:а|ов)?\b")
VALUE = re.compile(r"→ (.+)$")
CONTROL = re.compile(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.IGNORECASE)
SECTIONS = {"Веб": "web", "Контейнеры": "containers", "Django": "django"}


def examples():
    """(id, first line number, source) of every ```python block."""
    section, question, count, block, start = "", "", 0, None, 0
    for number, line in enumerate(DOCUMENT.read_text().splitlines(), 1):
        if block is not None:
            if line.startswith("```"):
                count += 1
                yield pytest.param(start, "\n".join(block), id=f"{section}-{question}-{count}")
                block = None
            else:
                block.append(line)
        elif line.startswith("## "):
            section = SECTIONS.get(line[3:].strip(), line[3:].strip())
        elif match := re.match(r"### (\d+)\.", line):
            question, count = match[1], 0
        elif line.strip() == "```python":
            block, start = [], number + 1


def comments_by_line(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string.lstrip("# ") for t in tokens if t.type == tokenize.COMMENT}


def claims(comment: str) -> tuple[int | None, str | None]:
    queries = QUERIES.search(comment)
    value = VALUE.search(comment)
    return (int(queries[1]) if queries else None), (value[1].strip() if value else None)


SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Import, ast.ImportFrom)


def run(source: str, first_line: int) -> int:
    """Run the block; returns how many claims it checked."""
    comments = comments_by_line(source)
    tree = ast.parse(source)
    namespace: dict = {}
    checked = 0
    for statement in tree.body:
        lines = range(statement.lineno, statement.end_lineno + 1)
        own = lines if isinstance(statement, SIMPLE) else [statement.lineno]
        for line in set(lines) - set(own):
            assert claims(comments.get(line, "")) == (None, None), (
                f"docs/theory.ru.md:{first_line + line - 1}: a claim inside a block is not checked"
            )
        queries, expected = None, None
        for line in own:
            found = claims(comments.get(line, ""))
            queries = found[0] if found[0] is not None else queries
            expected = found[1] if found[1] is not None else expected

        where = f"docs/theory.ru.md:{first_line + statement.lineno - 1}"
        with CaptureQueriesContext(connection) as captured:
            if expected is not None:
                assert isinstance(statement, ast.Expr), f"{where}: → needs an expression"
                value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
            else:
                exec(compile(ast.Module([statement], []), where, "exec"), namespace)
        if queries is not None:
            sql = [q["sql"] for q in captured.captured_queries if not CONTROL.match(q["sql"])]
            assert len(sql) == queries, f"{where}: {len(sql)} queries:\n" + "\n".join(sql)
            checked += 1
        if expected is not None:
            assert value == eval(expected, namespace), f"{where}: {value!r}, not {expected}"
            checked += 1
    return checked


@pytest.fixture
def example_data():
    for name, content_type, width, height, size, date, key in DATA:
        Image.objects.create(
            name=name, path=f"images/{name}", content_type=content_type, width=width,
            height=height, size=size, date=date, sha256="0" * 64, delete_token_digest="0" * 64,
            api_key=ApiKey.create(key)[0] if key else None,
        )


@pytest.fixture
def own_receivers():
    """Receivers an example connects are gone after it."""
    saved = {signal: list(signal.receivers) for signal in (signals.post_save, signals.post_delete)}
    yield
    for signal, receivers in saved.items():
        signal.receivers = receivers
        signal.sender_receivers_cache.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("first_line", "source"), list(examples()))
def test_the_example_does_what_the_text_says(example_data, own_receivers, first_line, source):
    assert run(source, first_line) > 0, "an example should claim something the test can check"


def test_the_document_has_examples_for_the_orm_answers():
    ids = [param.id for param in examples()]

    for question in ("6", "7", "8", "9", "10", "11", "12"):
        assert any(i.startswith(f"django-{question}-") for i in ids), question
