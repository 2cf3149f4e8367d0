"""Shared fixtures for the 14_sql hidden suite: a fresh in-memory shop database for every test.

SCHEMA and SEED are the same as the `demo_db()` cell of the notebook (README.md lists the data).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest

SCHEMA = """
CREATE TABLE customers (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    city  TEXT NOT NULL
);
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    stock       INTEGER NOT NULL CHECK (stock >= 0)
);
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    created_at  TEXT NOT NULL
);
CREATE TABLE order_items (
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    product_id INTEGER NOT NULL REFERENCES products (id),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);
"""

SEED = """
INSERT INTO customers (id, name, email, city) VALUES
    (1, 'Ana Lima', 'ana@example.com', 'Lisbon'),
    (2, 'Ben Okafor', 'ben@example.com', 'Lagos'),
    (3, 'Seán O''Brien', 'sean@example.com', 'Dublin'),
    (4, 'Ana Lima', 'ana.lima@example.com', 'Porto'),
    (5, 'Chloé Martin', 'chloe@example.com', 'Paris'),
    (6, 'Dev Patel', 'dev@example.com', 'London'),
    (7, 'Aaron Fox', 'aaron@example.com', 'Leeds');
INSERT INTO products (id, name, price_cents, stock) VALUES
    (1, 'Keyboard', 4500, 10),
    (2, 'Mouse', 2000, 25),
    (3, 'Monitor', 18000, 3),
    (4, 'USB cable', 500, 100),
    (5, 'Webcam', 6000, 0),
    (6, 'Headset', 3500, 7);
INSERT INTO orders (id, customer_id, created_at) VALUES
    (1, 1, '2024-01-05'),
    (2, 2, '2024-01-06'),
    (3, 1, '2024-02-10'),
    (4, 3, '2024-02-11'),
    (5, 4, '2024-03-01'),
    (6, 6, '2024-03-02');
INSERT INTO order_items (order_id, product_id, quantity) VALUES
    (1, 1, 1), (1, 2, 2),
    (2, 3, 1),
    (3, 4, 3),
    (4, 2, 1), (4, 6, 1), (4, 4, 5),
    (5, 1, 1), (5, 6, 1);
"""

TABLES = ("customers", "products", "orders", "order_items")

Snapshot = dict[str, list[tuple[object, ...]]]


def make_db(factory: type[sqlite3.Connection] = sqlite3.Connection) -> sqlite3.Connection:
    """A new in-memory database with the shop's schema and seed data, foreign keys enforced."""
    conn = sqlite3.connect(":memory:", factory=factory)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA + SEED)
    conn.commit()
    return conn


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    conn = make_db()
    yield conn
    conn.close()


class RecordingCursor(sqlite3.Cursor):
    """A cursor that adds the SQL text of each statement it runs to its connection's `statements`."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        record(self.connection, sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> sqlite3.Cursor:
        record(self.connection, sql)
        return super().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        record(self.connection, sql_script)
        return super().executescript(sql_script)


class RecordingConnection(sqlite3.Connection):
    """A connection that keeps the SQL text of every statement run through it (its parameters are not kept)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements: list[str] = []

    def cursor(self, factory: Any = RecordingCursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        return self.cursor().executescript(sql_script)


def record(conn: sqlite3.Connection, sql: str) -> None:
    if isinstance(conn, RecordingConnection):
        conn.statements.append(sql)


@pytest.fixture
def recording_db() -> Iterator[RecordingConnection]:
    """Like `db`, but its `statements` list the SQL text of everything run on it during the test."""
    conn = make_db(RecordingConnection)
    assert isinstance(conn, RecordingConnection)
    conn.statements.clear()
    yield conn
    conn.close()


def take_snapshot(conn: sqlite3.Connection) -> Snapshot:
    """Every row of every table (plain tuples, in rowid order): compare two to see that nothing changed."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        table: [tuple(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")] if table in tables else []
        for table in TABLES
    }


@pytest.fixture
def snapshot() -> Callable[[sqlite3.Connection], Snapshot]:
    return take_snapshot
