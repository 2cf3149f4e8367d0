"""Hidden suite for 04_sqlalchemy: a small bookshop on SQLAlchemy 2 + SQLite.

Every test gets the submission through the `student` fixture (never imported here), and a
fresh in-memory database through the `engine` / `session` fixtures in conftest.py. The suite runs
in the grader's process and the submission in the student's: the engine, the session and the
ORM objects are handles (attribute reads and method calls cross; `==` between handles is
identity), and the `orm` helper answers what only SQLAlchemy can tell (the schema, raw SQL,
isinstance) with plain data.
"""

from collections.abc import Callable
from typing import Any

import pytest

Sql = Callable[..., list[tuple[Any, ...]]]
CountRows = Callable[..., int]


def assert_raises(expected: type[BaseException], call: Callable[[], object], what: str) -> None:
    """Fail with a readable message unless `call()` raises `expected` (or a subclass)."""
    try:
        result = call()
    except expected:
        return
    except Exception as exc:  # noqa: BLE001 - any other error is the finding we report
        pytest.fail(
            f"{what} should raise {expected.__name__}, got {type(exc).__name__}: {exc}",
            pytrace=False,
        )
    pytest.fail(f"{what} should raise {expected.__name__}, but it returned {result!r}", pytrace=False)


def counts_as_tuples(student: Any, session: Any) -> list[tuple[Any, ...]]:
    """author_book_counts() with each Row or tuple turned into a plain tuple."""
    return [tuple(row) for row in student.author_book_counts(session)]


# --- make_engine and the schema ------------------------------------------------------------


@pytest.mark.points(1, hint="make_engine() must create the engine and then every table (Base.metadata.create_all).")
def test_make_engine_creates_both_tables(engine: Any, orm: Any) -> None:
    assert orm.is_engine(engine) is True, f"make_engine() should return an Engine, got {orm.type_name(engine)}"
    tables = set(orm.table_names(engine))
    assert {"authors", "books"} <= tables, f"make_engine() should create tables 'authors' and 'books', got {sorted(tables)}"


@pytest.mark.points(1, hint="make_engine(url) must use the URL it is given, not always 'sqlite://'.")
def test_make_engine_uses_the_given_url(student: Any, orm: Any) -> None:
    db_file = orm.scratch_file("shop.db")  # a fresh folder the student's process may write
    engine = student.make_engine(f"sqlite:///{db_file}")
    try:
        tables = set(orm.table_names(engine))
    finally:
        orm.dispose(engine)
    assert orm.exists(db_file) is True, "make_engine('sqlite:///.../shop.db') should create that database file; it does not exist"
    assert {"authors", "books"} <= tables, f"the database at the given URL should have 'authors' and 'books', got {sorted(tables)}"


@pytest.mark.points(2, hint="Author: table 'authors', an integer primary key 'id', and 'name' unique and not null.")
def test_authors_table_has_unique_not_null_name(engine: Any, orm: Any) -> None:
    table = orm.schema(engine, "authors")
    columns = table["columns"]
    assert {"id", "name"} <= set(columns), f"table 'authors' should have columns 'id' and 'name', got {sorted(columns)}"
    primary_key = table["primary_key"]
    assert primary_key == ["id"], f"the primary key of 'authors' should be ['id'], got {primary_key}"
    assert columns["name"]["nullable"] is False, "authors.name should be NOT NULL, got a nullable column"
    unique_sets: list[list[str | None]] = table["unique"]
    assert ["name"] in unique_sets, (
        f"authors.name should be unique on its own (a UNIQUE constraint or unique index), "
        f"got unique column sets {unique_sets}"
    )


@pytest.mark.points(2, hint="Book: table 'books' with title, year (int) and author_id all NOT NULL; author_id references authors.id.")
def test_books_table_columns_and_foreign_key(engine: Any, orm: Any) -> None:
    table = orm.schema(engine, "books")
    columns = table["columns"]
    expected = {"id", "title", "year", "author_id"}
    assert expected <= set(columns), f"table 'books' should have columns {sorted(expected)}, got {sorted(columns)}"
    nullable = sorted(name for name in ("title", "year", "author_id") if columns[name]["nullable"])
    assert nullable == [], f"books.title, books.year and books.author_id should all be NOT NULL, got nullable {nullable}"
    year = columns["year"]
    assert year["integer"] is True, f"books.year should be an integer column, got {year['type']}"
    foreign_keys = table["foreign_keys"]
    assert (["author_id"], "authors", ["id"]) in foreign_keys, (
        f"books.author_id should be a foreign key to authors.id, got foreign keys {foreign_keys}"
    )


# --- add_book --------------------------------------------------------------------------------


@pytest.mark.points(1, hint="add_book returns the new Book, flushed so that it already has an id.")
def test_add_book_returns_the_new_book(student: Any, session: Any, orm: Any) -> None:
    book = student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    assert orm.is_instance(book, student.Book) is True, f"add_book should return a Book, got {orm.type_name(book)}"
    got = (book.title, book.year, book.author.name)
    expected = ("A Wizard of Earthsea", 1968, "Ursula K. Le Guin")
    assert got == expected, f"the returned book's (title, year, author.name) should be {expected!r}, got {got!r}"
    assert isinstance(book.id, int), f"the returned book should have an integer id right away (flush), got {book.id!r}"


@pytest.mark.points(2, hint="Look the author up by exactly that name and reuse it; only create an author when none has that name.")
def test_add_book_reuses_author_by_exact_name(student: Any, session: Any, sql: Sql) -> None:
    first = student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    second = student.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    student.add_book(session, "The Farthest Shore", "ursula k. le guin", 1972)
    assert first.author_id == second.author_id, (
        f"two books by 'Ursula K. Le Guin' should share one author id, got {first.author_id!r} and {second.author_id!r}"
    )
    names = [name for (name,) in sql("SELECT name FROM authors ORDER BY id")]
    expected = ["Ursula K. Le Guin", "ursula k. le guin"]
    assert names == expected, f"authors should be {expected!r} (one per exact name), got {names!r}"


@pytest.mark.points(1, hint="Raise ValueError when title or author_name is empty, before adding anything (not even the author).")
def test_add_book_rejects_empty_title_or_author(student: Any, session: Any, count_rows: CountRows) -> None:
    assert_raises(ValueError, lambda: student.add_book(session, "", "Frank Herbert", 1965), "add_book with title ''")
    assert_raises(ValueError, lambda: student.add_book(session, "Dune", "", 1965), "add_book with author_name ''")
    books = count_rows("books")
    assert books == 0, f"a rejected add_book should add no book, got {books} book(s) in the table"
    authors = count_rows("authors")
    assert authors == 0, f"a rejected add_book should add nothing, not even the author, got {authors} author(s) in the table"


@pytest.mark.points(2, hint="Blank means whitespace-only too: check title.strip(), not just title.")
def test_add_book_rejects_whitespace_only_title_or_author(
    student: Any, session: Any, count_rows: CountRows
) -> None:
    assert_raises(ValueError, lambda: student.add_book(session, "   ", "Frank Herbert", 1965), "add_book with title '   '")
    assert_raises(ValueError, lambda: student.add_book(session, "Dune", " \t\n", 1965), "add_book with author_name ' \\t\\n'")
    books = count_rows("books")
    assert books == 0, f"a rejected add_book should add no book, got {books} book(s) in the table"


# --- books_by_author -------------------------------------------------------------------------


@pytest.mark.points(2, hint="Order by year first, then by title for books of the same year; only that author's books.")
def test_books_by_author_orders_by_year_then_title(student: Any, session: Any) -> None:
    # Two same-year pairs, one added in title order and one in reverse, so no tie order passes by luck.
    student.add_book(session, "The Dispossessed", "Ursula K. Le Guin", 1974)
    student.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    student.add_book(session, "The Farthest Shore", "Ursula K. Le Guin", 1972)
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    student.add_book(session, "The Left Hand of Darkness", "Ursula K. Le Guin", 1969)
    student.add_book(session, "The Lathe of Heaven", "Ursula K. Le Guin", 1971)
    student.add_book(session, "The Word for World Is Forest", "Ursula K. Le Guin", 1972)
    student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    got = student.books_by_author(session, "Ursula K. Le Guin")
    expected = [
        "A Wizard of Earthsea",
        "The Left Hand of Darkness",
        "The Lathe of Heaven",
        "The Tombs of Atuan",
        "The Farthest Shore",
        "The Word for World Is Forest",
        "The Dispossessed",
    ]
    assert got == expected, f"books_by_author('Ursula K. Le Guin') should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="An unknown author has no books: return [], do not raise.")
def test_books_by_author_unknown_author_is_empty(student: Any, session: Any) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    got = student.books_by_author(session, "Nobody")
    assert got == [], f"books_by_author('Nobody') should be [], got {got!r}"


# --- author_book_counts ----------------------------------------------------------------------


@pytest.mark.points(2, hint="Authors with no books must appear with 0: use an outer join from Author to Book.")
def test_author_book_counts_includes_authors_without_books(
    student: Any, session: Any, add_author: Callable[[str], Any]
) -> None:
    student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    add_author("Nobody Yet")
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    student.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    got = counts_as_tuples(student, session)
    expected = [("Ursula K. Le Guin", 2), ("Frank Herbert", 1), ("Nobody Yet", 0)]
    assert got == expected, f"author_book_counts() should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="Order by count descending, then by name ascending to break ties.")
def test_author_book_counts_breaks_ties_by_name(student: Any, session: Any) -> None:
    # One tie is created in name order and the other in reverse, so no tie order passes by luck.
    student.add_book(session, "Lord of Light", "Roger Zelazny", 1967)
    student.add_book(session, "Childhood's End", "Arthur C. Clarke", 1953)
    student.add_book(session, "Foundation", "Isaac Asimov", 1951)
    student.add_book(session, "The Hydrogen Sonata", "Iain M. Banks", 2012)
    student.add_book(session, "Nine Princes in Amber", "Roger Zelazny", 1970)
    student.add_book(session, "I, Robot", "Isaac Asimov", 1950)
    got = counts_as_tuples(student, session)
    expected = [("Isaac Asimov", 2), ("Roger Zelazny", 2), ("Arthur C. Clarke", 1), ("Iain M. Banks", 1)]
    assert got == expected, f"author_book_counts() should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="With no authors at all, author_book_counts() is [].")
def test_author_book_counts_empty_database(student: Any, session: Any) -> None:
    got = counts_as_tuples(student, session)
    assert got == [], f"author_book_counts() on an empty database should be [], got {got!r}"


# --- rename_author ---------------------------------------------------------------------------


@pytest.mark.points(2, hint="Renaming changes the author's name; their books follow them.")
def test_rename_author_keeps_their_books(student: Any, session: Any, sql: Sql) -> None:
    student.add_book(session, "A Wizard of Earthsea", "U. Le Guin", 1968)
    student.add_book(session, "The Tombs of Atuan", "U. Le Guin", 1971)
    result = student.rename_author(session, "U. Le Guin", "Ursula K. Le Guin")
    assert result is None, f"rename_author should return None, got {result!r}"
    names = [name for (name,) in sql("SELECT name FROM authors")]
    assert names == ["Ursula K. Le Guin"], f"after the rename, authors should be ['Ursula K. Le Guin'], got {names!r}"
    got_new = student.books_by_author(session, "Ursula K. Le Guin")
    expected = ["A Wizard of Earthsea", "The Tombs of Atuan"]
    assert got_new == expected, f"books_by_author(new name) should be {expected!r}, got {got_new!r}"
    got_old = student.books_by_author(session, "U. Le Guin")
    assert got_old == [], f"books_by_author(old name) should be [], got {got_old!r}"


@pytest.mark.points(1, hint="rename_author must raise LookupError when old_name is not an author.")
def test_rename_author_unknown_raises_lookup_error(student: Any, session: Any) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    assert_raises(
        LookupError,
        lambda: student.rename_author(session, "Nobody", "Somebody"),
        "rename_author('Nobody', 'Somebody')",
    )


@pytest.mark.points(2, hint="Check whether another author already has new_name and raise ValueError before changing anything.")
def test_rename_author_to_taken_name_raises_value_error(student: Any, session: Any, sql: Sql) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    student.add_book(session, "Foundation", "Isaac Asimov", 1951)
    session.commit()
    assert_raises(
        ValueError,
        lambda: student.rename_author(session, "Isaac Asimov", "Frank Herbert"),
        "rename_author('Isaac Asimov', 'Frank Herbert') when 'Frank Herbert' exists",
    )
    names = [name for (name,) in sql("SELECT name FROM authors ORDER BY name", flush=False)]
    expected = ["Frank Herbert", "Isaac Asimov"]
    assert names == expected, f"a rejected rename should change no name: authors should be {expected!r}, got {names!r}"


@pytest.mark.points(1, hint="Renaming an author to the name they already have is a no-op, not an error.")
def test_rename_author_to_own_name_is_a_no_op(student: Any, session: Any, sql: Sql) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    try:
        student.rename_author(session, "Frank Herbert", "Frank Herbert")
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        pytest.fail(
            f"rename_author('Frank Herbert', 'Frank Herbert') should do nothing, got {type(exc).__name__}: {exc}",
            pytrace=False,
        )
    names = [name for (name,) in sql("SELECT name FROM authors")]
    assert names == ["Frank Herbert"], f"authors should still be ['Frank Herbert'], got {names!r}"


# --- delete_author ---------------------------------------------------------------------------


@pytest.mark.points(3, hint="Deleting an author must delete their books (cascade='all, delete-orphan', or ON DELETE CASCADE with foreign keys on).")
def test_delete_author_deletes_their_books(student: Any, session: Any, sql: Sql) -> None:
    student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    student.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    student.add_book(session, "The Farthest Shore", "Ursula K. Le Guin", 1972)
    got = student.delete_author(session, "Ursula K. Le Guin")
    assert got == 3, f"delete_author('Ursula K. Le Guin') should return 3 (books deleted), got {got!r}"
    titles = [title for (title,) in sql("SELECT title FROM books ORDER BY id")]
    assert titles == ["Dune"], f"after the delete, the books table should hold ['Dune'], got {titles!r}"
    names = [name for (name,) in sql("SELECT name FROM authors")]
    assert names == ["Frank Herbert"], f"after the delete, the authors table should hold ['Frank Herbert'], got {names!r}"
    left = student.books_by_author(session, "Ursula K. Le Guin")
    assert left == [], f"books_by_author of a deleted author should be [], got {left!r}"


@pytest.mark.points(1, hint="An author with no books can be deleted too; delete_author then returns 0.")
def test_delete_author_without_books_returns_zero(
    student: Any, session: Any, add_author: Callable[[str], Any], sql: Sql
) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    add_author("Nobody Yet")
    got = student.delete_author(session, "Nobody Yet")
    assert got == 0, f"delete_author('Nobody Yet') with no books should return 0, got {got!r}"
    names = [name for (name,) in sql("SELECT name FROM authors")]
    assert names == ["Frank Herbert"], f"authors should be ['Frank Herbert'] after the delete, got {names!r}"


@pytest.mark.points(1, hint="delete_author must raise LookupError when the author does not exist, and delete nothing.")
def test_delete_author_unknown_raises_lookup_error(student: Any, session: Any, count_rows: CountRows) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    assert_raises(LookupError, lambda: student.delete_author(session, "Nobody"), "delete_author('Nobody')")
    got = (count_rows("authors"), count_rows("books"))
    assert got == (1, 1), f"a failed delete should leave (1 author, 1 book), got {got!r}"


# --- books_page ------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Page n holds titles n*per_page-per_page .. n*per_page-1 in id order: offset (page - 1) * per_page.")
def test_books_page_orders_by_id(student: Any, session: Any) -> None:
    titles = [f"Volume {number:02d}" for number in range(25, 0, -1)]  # id order is not title order
    for year, title in enumerate(titles, start=1950):
        student.add_book(session, title, "Serial Writer", year)
    checks = [
        ((1, 10), titles[0:10]),
        ((3, 10), titles[20:25]),
        ((2, 7), titles[7:14]),
        ((4, 7), titles[21:25]),
    ]
    for (page, per_page), expected in checks:
        got = student.books_page(session, page, per_page)
        assert got == expected, f"books_page(page={page}, per_page={per_page}) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="per_page defaults to 10.")
def test_books_page_default_per_page_is_10(student: Any, session: Any) -> None:
    titles = [f"Book {number:02d}" for number in range(1, 13)]
    for title in titles:
        student.add_book(session, title, "Prolific Author", 2000)
    first, second = student.books_page(session, 1), student.books_page(session, 2)
    assert first == titles[:10], f"books_page(1) should be the first 10 titles {titles[:10]!r}, got {first!r}"
    assert second == titles[10:], f"books_page(2) should be {titles[10:]!r}, got {second!r}"


@pytest.mark.points(1, hint="A page past the end is an empty list, not an error.")
def test_books_page_past_the_end_is_empty(student: Any, session: Any) -> None:
    empty = student.books_page(session, 1)
    assert empty == [], f"books_page(1) on an empty database should be [], got {empty!r}"
    for number in range(1, 6):
        student.add_book(session, f"Book {number}", "Prolific Author", 2000)
    got = student.books_page(session, 2, 5)
    assert got == [], f"books_page(2, per_page=5) with 5 books should be [], got {got!r}"
    got = student.books_page(session, 9, 3)
    assert got == [], f"books_page(9, per_page=3) with 5 books should be [], got {got!r}"


@pytest.mark.points(1, hint="Pages are numbered from 1: raise ValueError when page < 1.")
def test_books_page_rejects_page_below_1(student: Any, session: Any) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    assert_raises(ValueError, lambda: student.books_page(session, 0), "books_page(page=0)")
    assert_raises(ValueError, lambda: student.books_page(session, -1, 5), "books_page(page=-1, per_page=5)")


@pytest.mark.points(1, hint="Raise ValueError when per_page < 1.")
def test_books_page_rejects_per_page_below_1(student: Any, session: Any) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    assert_raises(ValueError, lambda: student.books_page(session, 1, 0), "books_page(page=1, per_page=0)")
    assert_raises(ValueError, lambda: student.books_page(session, 1, -3), "books_page(page=1, per_page=-3)")


@pytest.mark.points(1, hint="Only per_page < 1 is an error: per_page=1 is a valid page size, one title per page.")
def test_books_page_one_per_page(student: Any, session: Any) -> None:
    titles = ["Dune", "Foundation", "Solaris"]
    for year, title in enumerate(titles, start=1960):
        student.add_book(session, title, "Several Hands", year)
    try:
        got = [student.books_page(session, page, 1) for page in (1, 2, 3, 4)]
    except ValueError as exc:
        pytest.fail(f"books_page(page, per_page=1) should give one title per page, but it raised ValueError: {exc}", pytrace=False)
    expected = [["Dune"], ["Foundation"], ["Solaris"], []]
    assert got == expected, f"books_page(page=1..4, per_page=1) should be {expected!r}, got {got!r}"


# --- relationships and transactions ----------------------------------------------------------


@pytest.mark.points(2, hint="Author.books and Book.author must be relationship()s that mirror each other (back_populates).")
def test_relationships_link_books_and_authors(student: Any, session: Any, orm: Any) -> None:
    wizard = student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    tombs = student.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    author = wizard.author
    assert orm.is_instance(author, student.Author) is True, f"Book.author should be an Author, got {orm.type_name(author)}"
    assert tombs.author == author, "two books by the same author should have the same Author object as .author"
    session.expire_all()  # read both sides back from the database
    author = orm.author_named(session, student.Author, "Ursula K. Le Guin")
    titles = sorted(book.title for book in author.books)
    expected = ["A Wizard of Earthsea", "The Tombs of Atuan"]
    assert titles == expected, f"Author.books of 'Ursula K. Le Guin' should hold {expected!r}, got {titles!r}"
    owners = sorted({book.author.name for book in author.books})
    assert owners == ["Ursula K. Le Guin"], f"each book in Author.books should point back to that author, got {owners!r}"


@pytest.mark.points(1, hint="Link Author.books and Book.author with back_populates, so a new book is in book.author.books at once.")
def test_back_populates_keeps_both_sides_in_step(student: Any, session: Any) -> None:
    wizard = student.add_book(session, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968)
    loaded = [book.title for book in wizard.author.books]  # the author's books are loaded now
    assert loaded == ["A Wizard of Earthsea"], f"book.author.books after one add_book should be the new book, got {loaded!r}"
    tombs = student.add_book(session, "The Tombs of Atuan", "Ursula K. Le Guin", 1971)
    assert tombs.author == wizard.author, "two books by the same author should have the same Author object as .author"
    titles = sorted(book.title for book in tombs.author.books)
    in_step = any(book == tombs for book in tombs.author.books)
    assert in_step, (
        "right after add_book, the new book should be in book.author.books (back_populates keeps both sides in step); "
        f"the author's books were {titles!r}"
    )


@pytest.mark.points(
    1,
    hint="Use back_populates on both relationships (Author.books and Book.author): a book appended to author.books "
    "has book.author set at once, before any flush.",
)
def test_back_populates_from_the_author_side(student: Any, session: Any, orm: Any, add_author: Callable[[str], Any]) -> None:
    author = add_author("Ursula K. Le Guin")
    book = student.Book(title="The Dispossessed", year=1974)
    orm.append_book(author, book)  # author.books.append(book), in the student's process
    linked = book.author == author
    assert linked, (
        "after author.books.append(book), book.author should be that author at once (back_populates keeps both sides "
        f"in step), got {orm.type_name(book.author)}"
    )


@pytest.mark.points(2, hint="Flush, never commit: the caller owns the transaction and may roll it back.")
def test_add_book_flushes_but_does_not_commit(student: Any, session: Any, count_rows: CountRows) -> None:
    book = student.add_book(session, "Dune", "Frank Herbert", 1965)
    assert book.id is not None, "add_book should flush, so the book has an id before any commit; got id None"
    flushed = count_rows("books", flush=False)
    assert flushed == 1, f"after add_book the book should be flushed to the database, got {flushed} row(s)"
    session.rollback()
    got = (count_rows("authors"), count_rows("books"))
    assert got == (0, 0), (
        f"after the caller's rollback there should be (0 authors, 0 books), got {got!r}: add_book must not commit"
    )


@pytest.mark.points(2, hint="rename_author and delete_author flush their change but never commit.")
def test_rename_and_delete_flush_but_do_not_commit(student: Any, session: Any, sql: Sql) -> None:
    student.add_book(session, "Dune", "Frank Herbert", 1965)
    student.add_book(session, "Foundation", "Isaac Asimov", 1951)
    session.commit()  # the caller's commit: this state must survive
    student.rename_author(session, "Frank Herbert", "F. Herbert")
    renamed = sorted(name for (name,) in sql("SELECT name FROM authors", flush=False))
    assert renamed == ["F. Herbert", "Isaac Asimov"], f"rename_author should flush the new name, got authors {renamed!r}"
    student.delete_author(session, "Isaac Asimov")
    titles = [title for (title,) in sql("SELECT title FROM books", flush=False)]
    assert titles == ["Dune"], f"delete_author should flush the delete, got books {titles!r}"
    session.rollback()
    names = sorted(name for (name,) in sql("SELECT name FROM authors"))
    titles = sorted(title for (title,) in sql("SELECT title FROM books"))
    got = (names, titles)
    expected = (["Frank Herbert", "Isaac Asimov"], ["Dune", "Foundation"])
    assert got == expected, f"after the caller's rollback (authors, books) should be {expected!r}, got {got!r}"
