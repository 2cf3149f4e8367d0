"""Fixtures for the 04_sqlalchemy hidden suite.

The `student` fixture (the imported submission) comes from the grader. Everything here is
built from it, so a submission that fails to import fails each test, not the collection.
"""

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session


@pytest.fixture
def engine(student: ModuleType) -> Iterator[Engine]:
    """A fresh in-memory database made by the student's `make_engine()`."""
    eng = student.make_engine()
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the student's engine; whatever the test leaves open is rolled back."""
    with Session(engine) as sess:
        yield sess


@pytest.fixture
def sql(session: Session) -> Callable[..., list[tuple[Any, ...]]]:
    """Run a raw SELECT in the session's transaction and return plain tuples.

    Raw SQL reads the database itself, not objects the ORM still holds in memory.
    It flushes first unless `flush=False`, which shows only what the code under test flushed.
    """

    def run(statement: str, flush: bool = True, **params: Any) -> list[tuple[Any, ...]]:
        if flush:
            session.flush()
        connection = session.connection()  # a Connection never autoflushes
        return [tuple(row) for row in connection.execute(text(statement), params)]

    return run


@pytest.fixture
def count_rows(sql: Callable[..., list[tuple[Any, ...]]]) -> Callable[..., int]:
    """How many rows a table (`authors` or `books`) holds right now."""

    def count(table: str, flush: bool = True) -> int:
        assert table in {"authors", "books"}, f"unexpected table {table!r}"
        return int(sql(f"SELECT count(*) FROM {table}", flush=flush)[0][0])

    return count


@pytest.fixture
def add_author(student: ModuleType, session: Session) -> Callable[[str], Any]:
    """Create an author with no books through the student's `Author` model, flushed."""

    def add(name: str) -> Any:
        author = student.Author(name=name)
        session.add(author)
        session.flush()
        return author

    return add
