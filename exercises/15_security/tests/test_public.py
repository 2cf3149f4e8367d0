"""Public tests for 15_security. Run `pytest` in this exercise's folder.

Each one pairs friendly input (which the starter already handles) with an attack (which it does
not). The hidden suite attacks much harder: UNION SELECT, ORDER BY injection, LIKE wildcards,
quotes in attributes, dangerous URL schemes, encoded and absolute paths, symlinks, NUL bytes, and
hmac.compare_digest. They fail until safe.py is fixed.
"""

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find safe.py next to tests/

import safe


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, email TEXT NOT NULL,"
        " is_admin INTEGER NOT NULL DEFAULT 0)"
    )
    db.executemany(
        "INSERT INTO users VALUES (?, ?, ?, ?)",
        [(1, "alice", "alice@example.com", 1), (2, "bob", "bob@example.net", 0), (3, "O'Brien", "obrien@example.com", 0)],
    )
    yield db
    db.close()


def test_find_user_resists_injection(conn: sqlite3.Connection) -> None:
    assert safe.find_user(conn, "bob") == {"id": 2, "username": "bob", "email": "bob@example.net", "is_admin": False}
    got = safe.find_user(conn, "' OR '1'='1")
    assert got is None, f"find_user(conn, \"' OR '1'='1\") should be None, got {got!r}: SQL injection"
    assert safe.find_user(conn, "O'Brien") is not None, "a name with an apostrophe should be found"


def test_render_profile_escapes_and_refuses_javascript_urls() -> None:
    plain = safe.render_profile("Ada", "https://ada.example", "Hello!")
    assert plain == '<div class="profile"><a href="https://ada.example" title="Ada">Ada</a><p>Hello!</p></div>', plain
    html = safe.render_profile("<script>alert(1)</script>", "javascript:alert(1)", "bio")
    assert "<script>" not in html, f"the name should be escaped, got {html!r}"
    assert 'href="#"' in html, f'a javascript: URL should become href="#", got {html!r}'


def test_safe_open_refuses_dot_dot(tmp_path: Path) -> None:
    base = tmp_path / "files"
    base.mkdir()
    (base / "notes.txt").write_bytes(b"public notes")
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    with safe.safe_open(base, "notes.txt") as handle:
        assert handle.read() == b"public notes"
    with pytest.raises(safe.UnsafePathError):
        safe.safe_open(base, "../secret.txt").close()


def test_tokens_match_handles_str_and_bytes() -> None:
    assert safe.tokens_match("tok_3f9a1c0e7b2d", "tok_3f9a1c0e7b2d") is True
    assert safe.tokens_match("tok_3f9a1c0e7b2d", "tok_3f9a1c0e7b2X") is False
    assert safe.tokens_match(b"abc123", "abc123") is True, "str and bytes with the same UTF-8 bytes should match"
    with pytest.raises(ValueError):
        safe.tokens_match("", "")
