"""Hidden suite for 14_sql: the six functions of exercise.ipynb, each on a fresh seeded database.

The data (see conftest.py and README.md): customers 1-7 (two are called 'Ana Lima'; 5 and 7 never
ordered; 6 has an order without lines), products 1-6 (5, 'Webcam', never sold), orders 1-6.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

# The database is a handle to a connection in the student's process (conftest.py): its methods
# and attributes answer with plain data.
Connection = Any
Snapshot = dict[str, list[tuple[object, ...]]]
TakeSnapshot = Callable[[Connection], Snapshot]
#: What comes back from the student's code as a value; anything else (a sqlite3.Row, a cursor) is a handle.
PLAIN = (str, bytes, int, float, bool, dict, list, set, frozenset, type(None))

SPENDING = [
    (2, "Ben Okafor", 1, 18000),
    (1, "Ana Lima", 2, 10000),
    (4, "Ana Lima", 1, 8000),
    (3, "Seán O'Brien", 1, 8000),
    (7, "Aaron Fox", 0, 0),
    (5, "Chloé Martin", 0, 0),
    (6, "Dev Patel", 1, 0),
]


def rows(value: Any) -> Any:
    """A list of plain tuples when `value` is a list of rows (tuples or sqlite3.Row), else `value` as it is."""
    if isinstance(value, list) and all(isinstance(row, tuple) or not isinstance(row, PLAIN) for row in value):
        try:
            return [row if isinstance(row, tuple) else tuple(row) for row in value]
        except Exception:  # not rows after all
            return value
    return value


def sqlite_error(error: Exception | None, name: str) -> bool:
    """True when `error` is (a subclass of) sqlite3's exception `name`, as raised by the student's code."""
    return error is not None and any(
        cls.__module__ == "sqlite3" and cls.__qualname__ == name for cls in type(error).__mro__
    )


def kind_of(row: object) -> str:
    return type(row).__name__ if isinstance(row, PLAIN + (tuple,)) else repr(row).removeprefix("<your ").removesuffix(" object>")


def call(function: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    """(result, None) when the call returned, (None, exception) when it raised."""
    try:
        return function(*args), None
    except Exception as exc:  # the test decides what was expected
        return None, exc


def described(value: Any, error: Exception | None) -> str:
    if error is None:
        return f"it returned {rows(value)!r}"
    return f"it raised {type(error).__name__}: {error}"


def changes(before: Snapshot, after: Snapshot) -> str:
    """The rows each table lost and gained, for an assertion message."""
    parts: list[str] = []
    for table, old in before.items():
        new = after.get(table, [])
        lost = [row for row in old if row not in new]
        gained = [row for row in new if row not in old]
        found = [f"lost {lost!r}"] * bool(lost) + [f"gained {gained!r}"] * bool(gained)
        if found:
            parts.append(f"{table} {' and '.join(found)}")
    return "; ".join(parts) or "nothing"


def stocks(conn: Connection) -> dict[int, int]:
    return {row[0]: row[1] for row in conn.execute("SELECT id, stock FROM products")}


# --- find_customer -----------------------------------------------------------------------------


@pytest.mark.points(2, hint="SELECT id, name, email FROM customers WHERE name = ? ORDER BY id, with (name,) as parameters.")
def test_find_customer_finds_every_match_by_id(student: ModuleType, db: Connection) -> None:
    got = rows(student.find_customer(db, "Ana Lima"))
    expected = [(1, "Ana Lima", "ana@example.com"), (4, "Ana Lima", "ana.lima@example.com")]
    assert got == expected, f"find_customer(conn, 'Ana Lima') should be {expected!r}, got {got!r}"
    value, error = call(student.find_customer, db, "Seán O'Brien")
    expected = [(3, "Seán O'Brien", "sean@example.com")]
    assert error is None and rows(value) == expected, (
        f'find_customer(conn, "Seán O\'Brien") should be {expected!r} (a quote in a name is fine with a ? '
        f"placeholder), {described(value, error)}"
    )


@pytest.mark.points(1, hint="Compare with = (exact, case-sensitive), not LIKE; no match gives [].")
def test_find_customer_matches_the_exact_name_only(student: ModuleType, db: Connection) -> None:
    for name in ("Nobody", "ana lima", "Ana", "Ana%", "Ana_Lima", ""):
        value, error = call(student.find_customer, db, name)
        assert error is None and rows(value) == [], f"find_customer(conn, {name!r}) should be [], {described(value, error)}"


@pytest.mark.points(3, hint="Never put the name into the SQL text: pass it as a parameter, `WHERE name = ?`, (name,).")
def test_find_customer_resists_sql_injection(student: ModuleType, db: Connection, snapshot: TakeSnapshot) -> None:
    before = snapshot(db)
    for attack in ("x' OR '1'='1", "Ana Lima' --", "' UNION SELECT id, name, city FROM customers --",
                   "'; DROP TABLE customers; --"):  # fmt: skip
        value, error = call(student.find_customer, db, attack)
        assert error is None and rows(value) == [], (
            f"find_customer(conn, {attack!r}) should find nobody and return [], {described(value, error)}"
        )
    after = snapshot(db)
    assert after == before, f"find_customer must not change the database, but: {changes(before, after)}"


# --- order_lines -------------------------------------------------------------------------------


@pytest.mark.points(2, hint="JOIN products ON p.id = oi.product_id, select quantity * price_cents, ORDER BY p.name.")
def test_order_lines_joins_products(student: ModuleType, db: Connection) -> None:
    got = rows(student.order_lines(db, 4))
    expected = [("Headset", 1, 3500), ("Mouse", 1, 2000), ("USB cable", 5, 2500)]
    assert got == expected, f"order_lines(conn, 4) should be {expected!r} (by product name), got {got!r}"
    got = rows(student.order_lines(db, 1))
    expected = [("Keyboard", 1, 4500), ("Mouse", 2, 4000)]
    assert got == expected, f"order_lines(conn, 1) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="An order without lines, or an unknown order id, gives [].")
def test_order_lines_of_empty_or_unknown_orders(student: ModuleType, db: Connection) -> None:
    for order_id in (6, 99):
        value, error = call(student.order_lines, db, order_id)
        assert error is None and rows(value) == [], f"order_lines(conn, {order_id}) should be [], {described(value, error)}"


# --- customer_spending -------------------------------------------------------------------------


@pytest.mark.points(3, hint="LEFT JOIN orders, order_items and products; GROUP BY c.id; ORDER BY total DESC, name, id.")
def test_customer_spending_full_report(student: ModuleType, db: Connection) -> None:
    got = rows(student.customer_spending(db))
    assert got == SPENDING, f"customer_spending(conn) should be {SPENDING!r}, got {got!r}"


@pytest.mark.points(2, hint="Customers without orders need a LEFT JOIN, COUNT(DISTINCT o.id) and COALESCE(SUM(...), 0).")
def test_customer_spending_lists_customers_without_orders(student: ModuleType, db: Connection) -> None:
    got = rows(student.customer_spending(db))
    by_id = {row[0]: row for row in got} if isinstance(got, list) else {}
    for expected in ((7, "Aaron Fox", 0, 0), (5, "Chloé Martin", 0, 0)):
        row = by_id.get(expected[0])
        assert row == expected, f"customer_spending should list {expected[1]}, who never ordered, as {expected!r}, got {row!r}"


@pytest.mark.points(1, hint="Count orders, not joined rows: COUNT(DISTINCT o.id). An order without lines still counts.")
def test_customer_spending_counts_orders_not_lines(student: ModuleType, db: Connection) -> None:
    got = rows(student.customer_spending(db))
    by_id = {row[0]: row for row in got} if isinstance(got, list) else {}
    for expected in ((1, "Ana Lima", 2, 10000), (6, "Dev Patel", 1, 0)):
        row = by_id.get(expected[0])
        assert row == expected, (
            f"customer_spending should give customer {expected[0]} as {expected!r} ({expected[2]} order(s)), got {row!r}"
        )


@pytest.mark.points(1, hint="Equal totals are ordered by name: ORDER BY total DESC, name ASC, id ASC.")
def test_customer_spending_breaks_ties_by_name(student: ModuleType, db: Connection) -> None:
    got = rows(student.customer_spending(db))
    ids = [row[0] for row in got] if isinstance(got, list) else got
    assert ids[2:4] == [4, 3], f"with equal totals of 8000, Ana Lima (4) comes before Seán O'Brien (3): ids {ids!r}"
    assert ids[4:] == [7, 5, 6], f"with totals of 0, the order is Aaron Fox (7), Chloé Martin (5), Dev Patel (6): ids {ids!r}"


# --- best_sellers ------------------------------------------------------------------------------


@pytest.mark.points(2, hint="GROUP BY p.id HAVING SUM(oi.quantity) >= ?, ORDER BY units DESC, name ASC.")
def test_best_sellers_filters_totals_with_having(student: ModuleType, db: Connection) -> None:
    got = rows(student.best_sellers(db, 2))
    expected = [("USB cable", 8), ("Mouse", 3), ("Headset", 2), ("Keyboard", 2)]
    assert got == expected, f"best_sellers(conn, 2) should be {expected!r}, got {got!r}"
    got = rows(student.best_sellers(db, 3))
    expected = [("USB cable", 8), ("Mouse", 3)]
    assert got == expected, f"best_sellers(conn, 3) should be {expected!r} (3 units is enough), got {got!r}"


@pytest.mark.points(1, hint="Products never sold are not listed (inner JOIN), and a high minimum gives [].")
def test_best_sellers_edge_cases(student: ModuleType, db: Connection) -> None:
    everything = [("USB cable", 8), ("Mouse", 3), ("Headset", 2), ("Keyboard", 2), ("Monitor", 1)]
    for min_units, expected in ((1, everything), (0, everything), (100, [])):
        value, error = call(student.best_sellers, db, min_units)
        assert error is None and rows(value) == expected, (
            f"best_sellers(conn, {min_units}) should be {expected!r}, {described(value, error)}"
        )


# --- add_customer ------------------------------------------------------------------------------


@pytest.mark.points(2, hint="INSERT with ? placeholders inside `with conn:`, then return cursor.lastrowid.")
def test_add_customer_inserts_and_returns_the_id(student: ModuleType, db: Connection) -> None:
    new_id = student.add_customer(db, "Zoë Quinn", "zoe@example.com", "Oslo")
    assert new_id == 8, f"add_customer should return the new customer's id 8 (cursor.lastrowid), got {new_id!r}"
    row = db.execute("SELECT id, name, email, city FROM customers WHERE email = 'zoe@example.com'").fetchone()
    expected = (8, "Zoë Quinn", "zoe@example.com", "Oslo")
    assert row is not None and tuple(row) == expected, f"the new customer should be stored as {expected!r}, got {row!r}"
    assert not db.in_transaction, "add_customer should commit: a transaction is still open after it returned"
    second = student.add_customer(db, "Yusuf Ali", "yusuf@example.com", "Cairo")
    assert second == 9, f"a second add_customer should return id 9, got {second!r}"


@pytest.mark.points(1, hint="Values go in as parameters, so quotes and SQL in a name are stored as plain text.")
def test_add_customer_stores_quotes_and_sql_as_text(student: ModuleType, db: Connection) -> None:
    name = "Robert'); DROP TABLE customers;--"
    value, error = call(student.add_customer, db, name, "bobby@example.com", "O'Fallon")
    assert error is None and value == 8, f"add_customer(conn, {name!r}, ...) should return 8, {described(value, error)}"
    row = db.execute("SELECT name, city FROM customers WHERE id = 8").fetchone()
    assert row is not None and tuple(row) == (name, "O'Fallon"), f"the name and city should be stored as given, got {row!r}"
    count = db.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    assert count == 8, f"the customers table should now hold 8 rows, it holds {count}"
    padded = ("  Mia  Wong ", " mia@example.com", "Kuala Lumpur\t")
    value, error = call(student.add_customer, db, *padded)
    what = f"add_customer(conn, {', '.join(map(repr, padded))})"
    assert error is None and value == 9, f"{what} should return 9, {described(value, error)}"
    row = db.execute("SELECT name, email, city FROM customers WHERE id = 9").fetchone()
    assert row is not None and tuple(row) == padded, (
        f"values should be stored exactly as given, spaces included (no stripping): expected {padded!r}, got {row!r}"
    )


@pytest.mark.points(1, hint="Check `not name.strip()` and `not email.strip()` first and raise ValueError, before any SQL runs.")
def test_add_customer_rejects_blank_name_or_email(
    student: ModuleType, recording_db: Connection, snapshot: TakeSnapshot
) -> None:
    db = recording_db
    before = snapshot(db)
    for name, email in (("", "x@example.com"), ("   ", "y@example.com"), ("Eve", ""), ("Eve", " \t")):
        db.forget()
        value, error = call(student.add_customer, db, name, email, "Rome")
        assert isinstance(error, ValueError), (
            f"add_customer(conn, {name!r}, {email!r}, 'Rome') should raise ValueError, {described(value, error)}"
        )
        statements = db.recorded()
        assert not statements, (
            f"add_customer(conn, {name!r}, {email!r}, 'Rome') should raise ValueError before touching the database, "
            f"but it ran {str(statements[0]).strip()!r} first"
        )
    after = snapshot(db)
    assert after == before, f"a rejected customer must not be stored, but: {changes(before, after)}"


@pytest.mark.points(1, hint="Let sqlite3.IntegrityError propagate; `with conn:` rolls the failed insert back.")
def test_add_customer_duplicate_email_raises_integrity_error(
    student: ModuleType, db: Connection, snapshot: TakeSnapshot
) -> None:
    before = snapshot(db)
    value, error = call(student.add_customer, db, "Another Ben", "ben@example.com", "Accra")
    assert sqlite_error(error, "IntegrityError"), (
        f"add_customer with the email of an existing customer should raise sqlite3.IntegrityError, {described(value, error)}"
    )
    after = snapshot(db)
    assert after == before, f"the duplicate customer must not be stored, but: {changes(before, after)}"
    assert not db.in_transaction, "after the failed insert no transaction should be left open (use `with conn:`)"


# --- place_order -------------------------------------------------------------------------------


@pytest.mark.points(3, hint="Inside `with conn:` insert the order, then each line, and UPDATE products SET stock = stock - ?.")
def test_place_order_writes_order_lines_and_stock(student: ModuleType, db: Connection) -> None:
    before = stocks(db)
    order_id = student.place_order(db, 5, [(2, 2), (6, 3)], "2024-04-01")
    assert order_id == 7, f"place_order should return the new order's id 7, got {order_id!r}"
    order = db.execute("SELECT id, customer_id, created_at FROM orders WHERE id = 7").fetchone()
    assert order is not None and tuple(order) == (7, 5, "2024-04-01"), f"orders should hold (7, 5, '2024-04-01'), got {order!r}"
    lines = [tuple(row) for row in db.execute("SELECT * FROM order_items WHERE order_id = 7 ORDER BY product_id")]
    assert lines == [(7, 2, 2), (7, 6, 3)], f"order_items of order 7 should be [(7, 2, 2), (7, 6, 3)], got {lines!r}"
    after = stocks(db)
    expected = {**before, 2: before[2] - 2, 6: before[6] - 3}
    assert after == expected, f"stocks should go from {before!r} to {expected!r}, got {after!r}"
    assert not db.in_transaction, "place_order should commit: a transaction is still open after it returned"


@pytest.mark.points(1, hint="Ordering exactly the stock left is allowed: refuse only when stock < quantity.")
def test_place_order_can_buy_the_whole_stock(student: ModuleType, db: Connection) -> None:
    value, error = call(student.place_order, db, 2, [(3, 3)], "2024-04-02")
    assert error is None and value == 7, (
        f"place_order(conn, 2, [(3, 3)], ...) for the 3 monitors left should return 7, {described(value, error)}"
    )
    left = db.execute("SELECT stock FROM products WHERE id = 3").fetchone()[0]
    assert left == 0, f"the monitor stock should now be 0, got {left!r}"


@pytest.mark.points(3, hint="Do everything in one `with conn:` block: an exception rolls back the order and every stock change.")
def test_place_order_rolls_back_when_stock_is_short(student: ModuleType, db: Connection, snapshot: TakeSnapshot) -> None:
    before = snapshot(db)
    value, error = call(student.place_order, db, 2, [(1, 2), (3, 4)], "2024-04-03")
    assert isinstance(error, ValueError), (
        f"place_order with 4 monitors wanted and 3 left should raise ValueError, {described(value, error)}"
    )
    after = snapshot(db)
    assert after == before, f"a failed order must leave the database exactly as it was, but: {changes(before, after)}"
    assert not db.in_transaction, "after a failed order no transaction should be left open (roll back)"
    value, error = call(student.place_order, db, 2, [(2, 1), (5, 1)], "2024-04-03")
    assert isinstance(error, ValueError), f"ordering a Webcam (stock 0) should raise ValueError, {described(value, error)}"
    after = snapshot(db)
    assert after == before, f"a failed order must leave the database exactly as it was, but: {changes(before, after)}"


@pytest.mark.points(2, hint="Check that the customer and each product exist; raise LookupError and roll back.")
def test_place_order_unknown_customer_or_product(student: ModuleType, db: Connection, snapshot: TakeSnapshot) -> None:
    before = snapshot(db)
    for customer_id, items, what in ((42, [(2, 1)], "customer 42"), (1, [(2, 1), (99, 1)], "product 99")):
        value, error = call(student.place_order, db, customer_id, items, "2024-04-04")
        assert isinstance(error, LookupError), (
            f"place_order(conn, {customer_id}, {items!r}, ...) with unknown {what} should raise LookupError, "
            f"{described(value, error)}"
        )
        after = snapshot(db)
        assert after == before, f"a failed order must leave the database exactly as it was, but: {changes(before, after)}"
    assert not db.in_transaction, "after a failed order no transaction should be left open (roll back)"


@pytest.mark.points(1, hint="No items, or a quantity below 1, raises ValueError and changes nothing.")
def test_place_order_rejects_empty_orders_and_bad_quantities(
    student: ModuleType, db: Connection, snapshot: TakeSnapshot
) -> None:
    before = snapshot(db)
    for items in ([], [(2, 0)], [(1, 1), (2, -3)]):
        value, error = call(student.place_order, db, 1, items, "2024-04-05")
        assert isinstance(error, ValueError), (
            f"place_order(conn, 1, {items!r}, ...) should raise ValueError, {described(value, error)}"
        )
        after = snapshot(db)
        assert after == before, f"a rejected order must change nothing, but: {changes(before, after)}"


# --- every function ------------------------------------------------------------------------------


def add_rows_the_demo_lacks(conn: Connection) -> None:
    """Customer 8 (a third Ana Lima), product 7 (Dock), and order 7 by Aaron Fox (7) for two docks."""
    with conn:
        conn.execute("INSERT INTO customers VALUES (8, 'Ana Lima', 'ana8@example.com', 'Faro')")
        conn.execute("INSERT INTO products VALUES (7, 'Dock', 9000, 5)")
        conn.execute("INSERT INTO orders VALUES (7, 7, '2024-05-01')")
        conn.execute("INSERT INTO order_items VALUES (7, 7, 2)")


@pytest.mark.points(
    1,
    hint="Run every query on the `conn` your function is given (its first parameter), never on the notebook's own "
    "`conn` or a database of your own: the grader passes a different database.",
)
def test_functions_use_the_connection_they_are_given(student: ModuleType, db: Connection) -> None:
    add_rows_the_demo_lacks(db)
    checks: list[tuple[str, Callable[[], Any], Any]] = [
        ("find_customer(conn, 'Ana Lima')", lambda: student.find_customer(db, "Ana Lima"),
         [(1, "Ana Lima", "ana@example.com"), (4, "Ana Lima", "ana.lima@example.com"), (8, "Ana Lima", "ana8@example.com")]),
        ("order_lines(conn, 7)", lambda: student.order_lines(db, 7), [("Dock", 2, 18000)]),
        ("best_sellers(conn, 2)", lambda: student.best_sellers(db, 2),
         [("USB cable", 8), ("Mouse", 3), ("Dock", 2), ("Headset", 2), ("Keyboard", 2)]),
        ("customer_spending(conn)[:2]", lambda: rows(student.customer_spending(db))[:2],
         [(7, "Aaron Fox", 1, 18000), (2, "Ben Okafor", 1, 18000)]),
    ]  # fmt: skip
    for what, function, expected in checks:
        value, error = call(function)
        assert error is None and rows(value) == expected, (
            f"on a database with a customer, a product and an order more than the demo, {what} should be "
            f"{expected!r}, {described(value, error)}: use the connection you are given"
        )


@pytest.mark.points(
    1, hint="Never close the connection you are given (no conn.close(), no `with closing(conn)`): the caller goes on using it."
)
def test_functions_leave_the_connection_open(student: ModuleType, db: Connection) -> None:
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("find_customer(conn, 'Ana Lima')", lambda: student.find_customer(db, "Ana Lima")),
        ("order_lines(conn, 4)", lambda: student.order_lines(db, 4)),
        ("customer_spending(conn)", lambda: student.customer_spending(db)),
        ("best_sellers(conn, 2)", lambda: student.best_sellers(db, 2)),
        ("add_customer(conn, 'Zoë Quinn', 'zoe@example.com', 'Oslo')",
         lambda: student.add_customer(db, "Zoë Quinn", "zoe@example.com", "Oslo")),
        ("place_order(conn, 5, [(2, 2)], '2024-04-01')", lambda: student.place_order(db, 5, [(2, 2)], "2024-04-01")),
    ]  # fmt: skip
    for what, function in calls:
        value, error = call(function)
        assert error is None, f"{what} should work, {described(value, error)}"
        try:
            db.execute("SELECT 1").fetchone()
        except Exception as exc:
            if not sqlite_error(exc, "ProgrammingError"):
                raise
            pytest.fail(f"after {what} the connection can no longer be used ({exc}): do not close it", pytrace=False)


@pytest.mark.points(
    1,
    hint="Return lists of plain tuples (what fetchall() gives with the default row factory) and ints: no sqlite3.Row, no cursor.",
)
def test_functions_return_plain_tuples_and_ints(student: ModuleType, db: Connection) -> None:
    ids: list[tuple[str, Callable[[], Any]]] = [
        ("add_customer(conn, 'Zoë Quinn', 'zoe@example.com', 'Oslo')",
         lambda: student.add_customer(db, "Zoë Quinn", "zoe@example.com", "Oslo")),
        ("place_order(conn, 5, [(2, 2)], '2024-04-01')", lambda: student.place_order(db, 5, [(2, 2)], "2024-04-01")),
    ]  # fmt: skip
    for what, function in ids:
        value, error = call(function)
        assert error is None and type(value) is int, f"{what} should return the new id as an int, {described(value, error)}"
    queries: list[tuple[str, Callable[[], Any]]] = [
        ("find_customer(conn, 'Ana Lima')", lambda: student.find_customer(db, "Ana Lima")),
        ("order_lines(conn, 4)", lambda: student.order_lines(db, 4)),
        ("best_sellers(conn, 2)", lambda: student.best_sellers(db, 2)),
        ("customer_spending(conn)", lambda: student.customer_spending(db)),
    ]
    for what, function in queries:
        value, error = call(function)
        assert error is None, f"{what} should work, {described(value, error)}"
        kinds = sorted({kind_of(row) for row in value}) if isinstance(value, list) else []
        assert isinstance(value, list) and kinds == ["tuple"], (
            f"{what} should return a list of tuples, it returned a {kind_of(value)}"
            + (f" of {', '.join(kinds)}" if kinds else "")
        )


@pytest.mark.points(
    1,
    hint="Pass every value as a ? parameter, ids and numbers too: never put a value into the SQL text with "
    "f-strings, %, + or .format().",
)
def test_values_never_go_into_the_sql_text(student: ModuleType, recording_db: Connection) -> None:
    db = recording_db
    calls: list[tuple[str, Callable[[], Any], tuple[str, ...]]] = [
        ("find_customer(conn, 'Zed Quorra')", lambda: student.find_customer(db, "Zed Quorra"), ("Zed Quorra",)),
        ("order_lines(conn, 987654)", lambda: student.order_lines(db, 987654), ("987654",)),
        ("best_sellers(conn, 31337)", lambda: student.best_sellers(db, 31337), ("31337",)),
        ("add_customer(conn, 'Quill Vantorp', 'quill@example.org', 'Zagreb')",
         lambda: student.add_customer(db, "Quill Vantorp", "quill@example.org", "Zagreb"),
         ("Quill Vantorp", "quill@example.org", "Zagreb")),
        ("place_order(conn, 7, [(4, 77)], '2031-07-19')", lambda: student.place_order(db, 7, [(4, 77)], "2031-07-19"),
         ("2031-07-19", "77")),
    ]  # fmt: skip
    for what, function, values in calls:
        db.forget()
        value, error = call(function)
        assert error is None, f"{what} should work, {described(value, error)}"
        for sql in db.recorded():
            leaked = [v for v in values if v in sql]
            assert not leaked, (
                f"{what} put {leaked[0]!r} into the SQL text: {' '.join(sql.split())!r}; pass values as ? parameters"
            )
