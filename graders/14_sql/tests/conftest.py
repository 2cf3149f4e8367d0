"""Shared fixtures for the 14_sql hidden suite: a fresh in-memory shop database for every test.

SCHEMA and SEED are the same as the `demo_db()` cell of the notebook (README.md lists the data).
The notebook is graded across the process boundary (exercise.toml): its functions run in the
student's process, so the database they are given is made there too, by a helper (`SHOP`) that
holds the schema and the seed data and no expected value; the tests get a handle to it.
"""

from __future__ import annotations

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

#: Runs beside the student's code (the `student_helper` fixture). Nothing secret: a student could read it.
SHOP = """
import sqlite3

SCRIPT = __SCRIPT__
TABLES = __TABLES__


class RecordingCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        record(self.connection, sql)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        record(self.connection, sql)
        return super().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script, /):
        record(self.connection, sql_script)
        return super().executescript(sql_script)


class RecordingConnection(sqlite3.Connection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = []

    def cursor(self, factory=RecordingCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script, /):
        return self.cursor().executescript(sql_script)

    def recorded(self):
        return list(self.statements)

    def forget(self):
        self.statements.clear()


def record(conn, sql):
    if isinstance(conn, RecordingConnection):
        conn.statements.append(str(sql))


def make_db(recording=False):
    conn = sqlite3.connect(":memory:", factory=RecordingConnection if recording else sqlite3.Connection)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCRIPT)
    conn.commit()
    if recording:
        conn.forget()
    return conn


def take_snapshot(conn):
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        table: [tuple(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")] if table in tables else []
        for table in TABLES
    }
""".replace("__SCRIPT__", repr(SCHEMA + SEED)).replace("__TABLES__", repr(TABLES))


@pytest.fixture
def shop(student_helper: Callable[..., Any]) -> Any:
    """The helper module, in the student's process."""
    return student_helper(SHOP, "shop")


def closed(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # the student's process may have been replaced: its database went with it
        pass


@pytest.fixture
def db(shop: Any) -> Iterator[Any]:
    """A fresh in-memory shop database (a handle to a sqlite3.Connection in the student's process)."""
    conn = shop.make_db()
    yield conn
    closed(conn)


@pytest.fixture
def recording_db(shop: Any) -> Iterator[Any]:
    """Like `db`, but `recorded()` lists the SQL text of everything run on it since the last `forget()`."""
    conn = shop.make_db(True)
    yield conn
    closed(conn)


@pytest.fixture
def snapshot(shop: Any) -> Callable[[Any], Snapshot]:
    """Every row of every table (plain tuples, in rowid order): compare two to see that nothing changed."""

    def take(conn: Any) -> Snapshot:
        found = shop.take_snapshot(conn)
        return found if isinstance(found, dict) else {}

    return take
