"""A small bookshop on SQLAlchemy 2: authors, their books, and a few queries.

Fill in the models and the functions below; README.md says exactly what each must do.
Every function flushes its changes but never commits: the caller owns the transaction.
"""

from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    """Declarative base shared by the bookshop's models."""


class Author(Base):
    """An author, identified by a unique name."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: `name` (unique, not null) and the `books` relationship (back_populates="author").
    #       Deleting an author must delete their books.


class Book(Base):
    """A book written by exactly one author."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: `title` (not null), `year` (int, not null), `author_id` (foreign key to authors.id,
    #       not null) and the `author` relationship (back_populates="books").


def make_engine(url: str = "sqlite://") -> Engine:
    """Create an engine for `url` and create every table on it."""
    raise NotImplementedError("make_engine: create the engine, then Base.metadata.create_all(engine)")


def add_book(session: Session, title: str, author_name: str, year: int) -> Book:
    """Add a book, reusing the author with exactly `author_name` or creating one."""
    raise NotImplementedError("add_book: not written yet")


def books_by_author(session: Session, author_name: str) -> list[str]:
    """Titles of the author's books, ordered by year then title; [] for an unknown author."""
    raise NotImplementedError("books_by_author: not written yet")


def author_book_counts(session: Session) -> list[tuple[str, int]]:
    """(name, number of books) for every author, count descending, then name."""
    raise NotImplementedError("author_book_counts: not written yet")


def rename_author(session: Session, old_name: str, new_name: str) -> None:
    """Rename an author; LookupError if unknown, ValueError if `new_name` is taken."""
    raise NotImplementedError("rename_author: not written yet")


def delete_author(session: Session, name: str) -> int:
    """Delete an author and their books; return how many books went."""
    raise NotImplementedError("delete_author: not written yet")


def books_page(session: Session, page: int, per_page: int = 10) -> list[str]:
    """One page of titles in id order, pages numbered from 1."""
    raise NotImplementedError("books_page: not written yet")
