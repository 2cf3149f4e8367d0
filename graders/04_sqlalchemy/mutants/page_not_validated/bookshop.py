"""A small bookshop on SQLAlchemy 2: authors, their books, and a few queries.

Every function takes a `Session` and flushes its changes but never commits:
the caller owns the transaction.
"""

from typing import Any

from sqlalchemy import Engine, ForeignKey, String, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base shared by the bookshop's models."""


class Author(Base):
    """An author, identified by a unique name."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    books: Mapped[list["Book"]] = relationship(
        back_populates="author",
        cascade="all, delete-orphan",
        order_by="Book.id",
    )

    def __repr__(self) -> str:
        return f"Author(id={self.id!r}, name={self.name!r})"


class Book(Base):
    """A book written by exactly one author."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    author: Mapped[Author] = relationship(back_populates="books")

    def __repr__(self) -> str:
        return f"Book(id={self.id!r}, title={self.title!r}, year={self.year!r})"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    """Turn on SQLite's foreign key enforcement (off by default) for each new connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str = "sqlite://") -> Engine:
    """Create an engine for `url` and create every table of the bookshop on it.

    The default URL is a private in-memory SQLite database. On SQLite, foreign keys
    are switched on so that `ON DELETE CASCADE` is enforced by the database too.
    """
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    Base.metadata.create_all(engine)
    return engine


def _is_blank(text: str) -> bool:
    """True when `text` is empty or only whitespace."""
    return not text.strip()


def _find_author(session: Session, name: str) -> Author | None:
    """The author with exactly this name, or None."""
    return session.scalars(select(Author).where(Author.name == name)).one_or_none()


def add_book(session: Session, title: str, author_name: str, year: int) -> Book:
    """Add a book, reusing the author with exactly `author_name` or creating one.

    Raises ValueError when `title` or `author_name` is blank. The new book is flushed,
    so its `id` is set, but nothing is committed.
    """
    if _is_blank(title):
        raise ValueError("title must not be blank")
    if _is_blank(author_name):
        raise ValueError("author_name must not be blank")
    author = _find_author(session, author_name)
    if author is None:
        author = Author(name=author_name)
        session.add(author)
    book = Book(title=title, year=year, author=author)
    session.add(book)
    session.flush()
    return book


def books_by_author(session: Session, author_name: str) -> list[str]:
    """Titles of the author's books, ordered by year then title; [] for an unknown author."""
    query = (
        select(Book.title)
        .join(Book.author)
        .where(Author.name == author_name)
        .order_by(Book.year, Book.title)
    )
    return list(session.scalars(query))


def author_book_counts(session: Session) -> list[tuple[str, int]]:
    """(name, number of books) for every author, books or not.

    Ordered by the count, highest first, then by name.
    """
    book_count = func.count(Book.id)
    query = (
        select(Author.name, book_count)
        .outerjoin(Author.books)
        .group_by(Author.id, Author.name)
        .order_by(book_count.desc(), Author.name)
    )
    return [(name, count) for name, count in session.execute(query)]


def rename_author(session: Session, old_name: str, new_name: str) -> None:
    """Rename the author `old_name` to `new_name`.

    Raises LookupError when there is no author `old_name`, and ValueError when another
    author is already called `new_name`. Renaming an author to their own name does nothing.
    """
    author = _find_author(session, old_name)
    if author is None:
        raise LookupError(f"no author named {old_name!r}")
    if new_name == old_name:
        return
    if _find_author(session, new_name) is not None:
        raise ValueError(f"an author named {new_name!r} already exists")
    author.name = new_name
    session.flush()


def delete_author(session: Session, name: str) -> int:
    """Delete the author `name` and all their books; return how many books were deleted.

    Raises LookupError when there is no such author.
    """
    author = _find_author(session, name)
    if author is None:
        raise LookupError(f"no author named {name!r}")
    deleted = len(author.books)
    session.delete(author)
    session.flush()
    return deleted


def books_page(session: Session, page: int, per_page: int = 10) -> list[str]:
    """One page of book titles ordered by id; pages are numbered from 1.

    A page past the end is []. Raises ValueError when `page < 1` or `per_page < 1`.
    """
    query = select(Book.title).order_by(Book.id).limit(per_page).offset((page - 1) * per_page)
    return list(session.scalars(query))
