"""A supplier's section page costs the same number of SQL queries however large the round is.

The page must not issue a query per question or per supplier: a deadline brings a thousand suppliers
at once, and a questionnaire of a hundred questions. The rounds are built by the benchmark's generator
(bench/generate.py) from the shipped template, with its type mix and conditions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bench.generate import PASSWORD, populate


@contextmanager
def counted(engine: Any) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _page_queries(app: Any, db: Any, login: Any, made: Any, section_key: str) -> int:
    client = app.test_client()
    login(client, made.supplier_emails[0], password=PASSWORD)
    url = f"/rounds/{made.round_id}/answer/section/{section_key}"
    assert client.get(url).status_code == 200  # the first visit may set things up once
    with counted(db.engine) as statements:
        reply = client.get(url)
    assert reply.status_code == 200
    assert b'name="based_on_version"' in reply.data
    return len(statements)


def test_section_page_queries_do_not_grow_with_questions_or_suppliers(app, db, login):
    small = populate(suppliers=4, questions=20, drafts=2, label="small")
    large = populate(suppliers=40, questions=100, drafts=2, label="large")
    db.session.commit()
    assert (small.questions, large.questions) == (20, 100)

    on_small = _page_queries(app, db, login, small, "policy")
    on_large = _page_queries(app, db, login, large, "policy")
    assert on_small == on_large, (on_small, on_large)
    # The user, the round with the invitation check and the response, the answers: each a round trip
    # on PostgreSQL, so the count itself is kept (bench/results/profile.md).
    assert on_large <= 3 + (1 if "policy" in _file_sections(db, large.round_id) else 0), on_large


def _file_sections(db: Any, round_id: int) -> set[str]:
    from questionnaire.models import DialogueRound

    round_ = db.session.get(DialogueRound, round_id)
    return {s.key for s in round_.questionnaire_version.sections if any(q.type == "file" for q in s.questions)}


def test_section_page_queries_do_not_grow_with_the_questions_on_the_page(app, db, login):
    made = populate(suppliers=5, questions=100, drafts=2, label="sections")
    db.session.commit()
    with_files = _file_sections(db, made.round_id)
    # A page with a file question also lists the files attached (one query); compare like with like.
    files = [s for s in made.sections if s[0] in with_files]
    plain = [s for s in made.sections if s[0] not in with_files]
    for group in (files, plain):
        sizes = {key: n for key, n, _conditional in group}
        smallest, largest = min(sizes, key=sizes.get), max(sizes, key=sizes.get)
        assert sizes[largest] > sizes[smallest]
        assert _page_queries(app, db, login, made, smallest) == _page_queries(app, db, login, made, largest)


def test_section_page_with_files_costs_one_query_more(app, db, login):
    made = populate(suppliers=5, questions=20, drafts=2, label="files")
    db.session.commit()
    with_files = _file_sections(db, made.round_id)
    plain = next(key for key, _n, _c in made.sections if key not in with_files)
    files = next(key for key, _n, _c in made.sections if key in with_files)
    assert _page_queries(app, db, login, made, files) == _page_queries(app, db, login, made, plain) + 1
