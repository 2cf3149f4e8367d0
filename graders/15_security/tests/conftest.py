"""Fixtures and helpers for the 15_security hidden suite.

`db` is an in-memory SQLite database with a `users` table and a secret `api_keys` table an
injection could leak; `tree` is a folder of files with things outside it worth stealing;
`compare_digest_calls` records calls to hmac.compare_digest. The `student` fixture (the imported
submission) comes from the grader; nothing here imports it.
"""

from __future__ import annotations

import hmac
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

API_SECRET = "sk_live_ALICE_0123456789"

# (id, username, email, is_admin)
USERS: list[tuple[int, str, str, int]] = [
    (1, "alice", "alice@example.com", 1),
    (2, "bob", "bob@example.net", 0),
    (3, "charlie", "charlie@example.org", 0),
    (4, "O'Brien", "obrien@example.com", 0),
    (5, "mallory", "mallory@example.net", 0),
    (6, "a_b", "ab@example.com", 0),
    (7, "axb", "axb@example.com", 0),
    (8, "100%", "percent@example.com", 0),
    (9, "1000", "thousand@example.com", 0),
    (10, "back\\slash", "slash@example.com", 0),
]


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    """An in-memory database with USERS, and an api_keys table holding API_SECRET."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL,
            is_admin INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_keys (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, secret TEXT NOT NULL);
        """
    )
    conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", USERS)
    conn.execute("INSERT INTO api_keys (owner, secret) VALUES ('alice', ?)", (API_SECRET,))
    conn.commit()
    try:
        yield conn
    finally:
        conn.close()


def user_row(username: str) -> dict[str, Any]:
    """What find_user should return for one of USERS."""
    for user_id, name, email, is_admin in USERS:
        if name == username:
            return {"id": user_id, "username": name, "email": email, "is_admin": bool(is_admin)}
    raise KeyError(username)


@dataclass
class Tree:
    """A base folder to serve files from, and what lies around it."""

    root: Path  # holds everything below
    base: Path  # root/files: the folder safe_open may read
    secret: Path  # root/secret.txt: outside base
    sibling_key: Path  # root/files-private/key.txt: a sibling whose name starts with base's


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    """root/files/{notes.txt, sub/note.txt, reports/2024.txt, 50%25.txt, alias.txt -> notes.txt,
    escape.txt -> ../secret.txt, outdir -> ../outside/}, root/secret.txt, root/outside/loot.txt,
    root/files-private/key.txt, and root/files-link -> files (the base reached through a symlink)."""
    root = tmp_path / "site"
    base = root / "files"
    (base / "sub").mkdir(parents=True)
    (base / "reports").mkdir()
    (root / "outside").mkdir()
    (root / "files-private").mkdir()
    (base / "notes.txt").write_bytes(b"public notes")
    (base / "sub" / "note.txt").write_bytes(b"a note in sub")
    (base / "reports" / "2024.txt").write_bytes(b"report 2024")
    (base / "50%25.txt").write_bytes(b"a name with a percent sign")
    (root / "secret.txt").write_bytes(b"TOP SECRET")
    (root / "outside" / "loot.txt").write_bytes(b"LOOT")
    (root / "files-private" / "key.txt").write_bytes(b"PRIVATE KEY")
    os.symlink(base / "notes.txt", base / "alias.txt")
    os.symlink(root / "secret.txt", base / "escape.txt")
    os.symlink(root / "outside", base / "outdir", target_is_directory=True)
    os.symlink(base, root / "files-link", target_is_directory=True)
    return Tree(root, base, root / "secret.txt", root / "files-private" / "key.txt")


@pytest.fixture
def compare_digest_calls(student: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, object]]:
    """Record every call to hmac.compare_digest / secrets.compare_digest made while the test runs.

    The real function still does the work; the list only shows whether it was used. A submission
    that did `from hmac import compare_digest` is patched in its own namespace too.
    """
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    if getattr(student, "compare_digest", None) is real:
        monkeypatch.setattr(student, "compare_digest", spy)
    return calls


# --- HTML -------------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""  # the decoded text directly or indirectly inside it


@dataclass
class Parsed:
    """What a browser would build from a snippet: its elements, in order, and all of its text."""

    elements: list[Element] = field(default_factory=list)
    text: str = ""

    @property
    def tags(self) -> list[str]:
        return [element.tag for element in self.elements]

    def first(self, tag: str) -> Element | None:
        return next((element for element in self.elements if element.tag == tag), None)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.parsed.elements.append(element)
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parsed.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                break

    def handle_data(self, data: str) -> None:
        self.parsed.text += data
        for element in self.open:
            element.text += data


def parse_html(snippet: object, what: str) -> Parsed:
    """Parse a snippet the way a browser tokenizes it: entities decoded in text and attributes."""
    if not isinstance(snippet, str):
        pytest.fail(f"{what} should return a str, got {type(snippet).__name__}: {snippet!r}", pytrace=False)
    collector = _Collector()
    collector.feed(snippet)
    collector.close()
    return collector.parsed


# --- calling ------------------------------------------------------------------------------------


def call_ok(call: Callable[[], Any], what: str) -> Any:
    """`call()`'s result; fails with a readable message if it raises."""
    try:
        return call()
    except Exception as exc:
        pytest.fail(f"{what} should work, but raised {type(exc).__name__}: {exc}", pytrace=False)


def assert_raises(
    expected: type[BaseException], call: Callable[[], object], what: str, not_: type[BaseException] | None = None
) -> BaseException:
    """Fail with a readable message unless `call()` raises `expected` (and not `not_`)."""
    try:
        result = call()
    except expected as exc:
        if not_ is not None and isinstance(exc, not_):
            pytest.fail(f"{what} should raise {expected.__name__}, not {type(exc).__name__}: {exc}", pytrace=False)
        return exc
    except Exception as exc:
        pytest.fail(f"{what} should raise {expected.__name__}, got {type(exc).__name__}: {exc}", pytrace=False)
    if hasattr(result, "close"):
        result.close()
    pytest.fail(f"{what} should raise {expected.__name__}, but it returned {result!r}", pytrace=False)


def read_via(student: ModuleType, base: Path, user_path: str, what: str = "") -> bytes:
    """safe_open(base, user_path).read(), closing the file; fails readably (naming the call, or `what`) if it raises."""
    handle = call_ok(lambda: student.safe_open(str(base), user_path), what or f"safe_open(base, {user_path!r})")
    try:
        data = handle.read()
    finally:
        handle.close()
    assert isinstance(data, bytes), f"safe_open should open the file in binary mode ('rb'), read() gave {type(data).__name__}"
    return data
