"""Public tests for 14_sql: run `pytest` in exercises/14_sql.

They run every code cell of ../exercise.ipynb in one namespace (a cell that raises is skipped, as the
grader does), take a fresh database from the notebook's `demo_db()` for every test, and check a few
examples from README.md. The hidden suite checks much more.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "exercise.ipynb"


def load_notebook(path: Path) -> SimpleNamespace:
    """Exec the notebook's code cells in order into one namespace, ignoring cells that raise."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "exercise"}
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"]
        if isinstance(source, list):
            source = "".join(source)
        try:
            exec(compile(source, f"<cell {index}>", "exec"), namespace)
        except Exception:
            continue
    return SimpleNamespace(**namespace)


@pytest.fixture(scope="module")
def exercise() -> SimpleNamespace:
    return load_notebook(NOTEBOOK)


@pytest.fixture
def db(exercise: SimpleNamespace) -> Iterator[sqlite3.Connection]:
    conn = exercise.demo_db()
    yield conn
    conn.close()


def test_find_customer_example(exercise: SimpleNamespace, db: sqlite3.Connection) -> None:
    got = [tuple(row) for row in exercise.find_customer(db, "Ana Lima")]
    expected = [(1, "Ana Lima", "ana@example.com"), (4, "Ana Lima", "ana.lima@example.com")]
    assert got == expected, f"find_customer(conn, 'Ana Lima') should be {expected!r}, got {got!r}"
    got = [tuple(row) for row in exercise.find_customer(db, "x' OR '1'='1")]
    assert got == [], f"find_customer(conn, \"x' OR '1'='1\") should be [] (use a ? placeholder), got {got!r}"


def test_customer_spending_example(exercise: SimpleNamespace, db: sqlite3.Connection) -> None:
    got = [tuple(row) for row in exercise.customer_spending(db)]
    expected = [
        (2, "Ben Okafor", 1, 18000),
        (1, "Ana Lima", 2, 10000),
        (4, "Ana Lima", 1, 8000),
        (3, "Seán O'Brien", 1, 8000),
        (7, "Aaron Fox", 0, 0),
        (5, "Chloé Martin", 0, 0),
        (6, "Dev Patel", 1, 0),
    ]
    assert got == expected, f"customer_spending(conn) should be {expected!r}, got {got!r}"


def test_best_sellers_example(exercise: SimpleNamespace, db: sqlite3.Connection) -> None:
    got = [tuple(row) for row in exercise.best_sellers(db, 2)]
    expected = [("USB cable", 8), ("Mouse", 3), ("Headset", 2), ("Keyboard", 2)]
    assert got == expected, f"best_sellers(conn, 2) should be {expected!r}, got {got!r}"


def test_place_order_example(exercise: SimpleNamespace, db: sqlite3.Connection) -> None:
    got = exercise.place_order(db, 5, [(2, 2), (6, 3)], "2024-04-01")
    assert got == 7, f"place_order(conn, 5, [(2, 2), (6, 3)], '2024-04-01') should return 7, got {got!r}"
    stock = dict(db.execute("SELECT id, stock FROM products WHERE id IN (2, 6)").fetchall())
    assert stock == {2: 23, 6: 4}, f"the Mouse and Headset stocks should now be 23 and 4, got {stock!r}"
