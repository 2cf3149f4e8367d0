"""Fixtures for the 04_sqlalchemy hidden suite, across the process boundary.

The `student` fixture (the submission, imported in the student's process) comes from the grader.
An engine, a session and the ORM objects cannot cross the boundary: they live in the student's
process, and the tests hold handles to them (attribute reads and method calls go across; a
handle's `==` is identity). What a test must ask of such an object in SQLAlchemy's own terms
(a session, raw SQL, the schema, an isinstance check) is done by the `ORM` helper below, which
runs beside the student's code and returns plain data. It holds no expected value: a student can
read it and make it lie, never learn an answer from it.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

#: Runs in the student's process (`student_helper`); every function returns plain data or an
#: object of the student's process (which the grader holds as a handle).
ORM = """
import os
import tempfile

from sqlalchemy import Engine, Integer, inspect, select, text
from sqlalchemy.orm import Session


def open_session(engine):
    return Session(engine)


def close(session):
    session.close()


def dispose(engine):
    if isinstance(engine, Engine):
        engine.dispose()


def is_engine(value):
    return isinstance(value, Engine)


def is_instance(value, cls):
    return isinstance(cls, type) and isinstance(value, cls)


def type_name(value):
    return type(value).__name__


def sql(session, statement, params, flush):
    if flush:
        session.flush()
    connection = session.connection()  # a Connection never autoflushes
    return [tuple(row) for row in connection.execute(text(statement), params)]


def table_names(engine):
    return sorted(inspect(engine).get_table_names())


def schema(engine, table):
    inspector = inspect(engine)
    columns = {
        column["name"]: {
            "nullable": bool(column["nullable"]),
            "type": str(column["type"]),
            "integer": isinstance(column["type"], Integer),
        }
        for column in inspector.get_columns(table)
    }
    unique = [list(constraint["column_names"]) for constraint in inspector.get_unique_constraints(table)]
    unique += [list(index["column_names"]) for index in inspector.get_indexes(table) if index["unique"]]
    foreign_keys = [
        (list(fk["constrained_columns"]), fk["referred_table"], list(fk["referred_columns"]))
        for fk in inspector.get_foreign_keys(table)
    ]
    return {
        "columns": columns,
        "primary_key": list(inspector.get_pk_constraint(table)["constrained_columns"]),
        "unique": unique,
        "foreign_keys": foreign_keys,
    }


def scratch_file(name):
    return os.path.join(tempfile.mkdtemp(), name)


def exists(path):
    return os.path.exists(path)


def append_book(author, book):
    author.books.append(book)  # a list across the boundary would be a copy


def author_named(session, author_class, name):
    return session.scalars(select(author_class).where(author_class.name == name)).one()
"""


@pytest.fixture
def orm(student: Any, student_helper: Callable[..., Any]) -> Any:
    """The `ORM` helper, a module in the student's process."""
    return student_helper(ORM, "orm")


@pytest.fixture
def engine(student: Any, orm: Any) -> Iterator[Any]:
    """A fresh in-memory database made by the student's `make_engine()` (a handle)."""
    eng = student.make_engine()
    try:
        yield eng
    finally:
        orm.dispose(eng)


@pytest.fixture
def session(engine: Any, orm: Any) -> Iterator[Any]:
    """A session on the student's engine (a handle); whatever the test leaves open is rolled back."""
    sess = orm.open_session(engine)
    try:
        yield sess
    finally:
        orm.close(sess)


@pytest.fixture
def sql(session: Any, orm: Any) -> Callable[..., list[tuple[Any, ...]]]:
    """Run a raw SELECT in the session's transaction and return plain tuples.

    Raw SQL reads the database itself, not objects the ORM still holds in memory.
    It flushes first unless `flush=False`, which shows only what the code under test flushed.
    """

    def run(statement: str, flush: bool = True, **params: Any) -> list[tuple[Any, ...]]:
        rows = orm.sql(session, statement, params, flush)
        return [tuple(row) for row in rows]

    return run


@pytest.fixture
def count_rows(sql: Callable[..., list[tuple[Any, ...]]]) -> Callable[..., int]:
    """How many rows a table (`authors` or `books`) holds right now."""

    def count(table: str, flush: bool = True) -> int:
        assert table in {"authors", "books"}, f"unexpected table {table!r}"
        return int(sql(f"SELECT count(*) FROM {table}", flush=flush)[0][0])

    return count


@pytest.fixture
def add_author(student: Any, session: Any) -> Callable[[str], Any]:
    """Create an author with no books through the student's `Author` model, flushed (a handle)."""

    def add(name: str) -> Any:
        author = student.Author(name=name)
        session.add(author)
        session.flush()
        return author

    return add
