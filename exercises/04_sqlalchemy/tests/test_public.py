"""Public tests for 04_sqlalchemy. Run `pytest` in this exercise's folder.

They show the shape of the hidden suite, which checks much more (errors, ordering ties,
constraints, paging edges, transactions). They fail until bookshop.py is written.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find bookshop.py next to tests/

import bookshop  # noqa: E402


@pytest.fixture
def session() -> Iterator[Session]:
    engine = bookshop.make_engine()
    with Session(engine) as sess:
        yield sess
    engine.dispose()


def test_books_by_author_orders_by_year_then_title(session: Session) -> None:
    bookshop.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    bookshop.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    bookshop.add_book(session, "The Lathe of Heaven", "Ursula K. Le Guin", 1971)
    bookshop.add_book(session, "Dune", "Frank Herbert", 1965)
    got = bookshop.books_by_author(session, "Ursula K. Le Guin")
    expected = ["A Wizard of Earthsea", "The Lathe of Heaven", "The Tombs of Atuan"]
    assert got == expected, f"books_by_author should be {expected!r}, got {got!r}"
    assert bookshop.books_by_author(session, "Nobody") == [], "an unknown author should give []"


def test_author_book_counts(session: Session) -> None:
    bookshop.add_book(session, "Dune", "Frank Herbert", 1965)
    bookshop.add_book(session, "Foundation", "Isaac Asimov", 1951)
    bookshop.add_book(session, "I, Robot", "Isaac Asimov", 1950)
    got = [tuple(row) for row in bookshop.author_book_counts(session)]
    expected = [("Isaac Asimov", 2), ("Frank Herbert", 1)]
    assert got == expected, f"author_book_counts() should be {expected!r}, got {got!r}"


def test_delete_author_deletes_their_books(session: Session) -> None:
    bookshop.add_book(session, "Dune", "Frank Herbert", 1965)
    bookshop.add_book(session, "Dune Messiah", "Frank Herbert", 1969)
    bookshop.add_book(session, "Foundation", "Isaac Asimov", 1951)
    got = bookshop.delete_author(session, "Frank Herbert")
    assert got == 2, f"delete_author('Frank Herbert') should return 2, got {got!r}"
    session.flush()
    left = session.scalars(select(bookshop.Book.title)).all()
    assert left == ["Foundation"], f"only 'Foundation' should be left, got {left!r}"
    with pytest.raises(LookupError):
        bookshop.delete_author(session, "Frank Herbert")


def test_books_page_and_flush_without_commit(session: Session) -> None:
    for number in range(1, 13):
        bookshop.add_book(session, f"Book {number:02d}", "Prolific Author", 2000 + number)
    assert bookshop.books_page(session, 2) == ["Book 11", "Book 12"], "page 2 of 10 should hold the last two"
    assert bookshop.books_page(session, 2, per_page=5) == [f"Book {n:02d}" for n in range(6, 11)]
    with pytest.raises(ValueError):
        bookshop.books_page(session, 0)
    session.rollback()  # the caller owns the transaction: nothing was committed
    count = session.scalar(select(func.count()).select_from(bookshop.Book))
    assert count == 0, f"after rollback no book should remain (add_book must not commit), got {count}"
