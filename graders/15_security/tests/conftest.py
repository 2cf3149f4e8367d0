"""Fixtures and helpers for the 15_security hidden suite.

The suite runs across the process boundary (exercise.toml `boundary = "process"`): the tests run
in the grader's process, the student's `safe.py` in another one. What their functions are given
that is not plain data is made in their process by the `HELPER` module, from data the tests send:
`db` is (a handle to) an in-memory SQLite database with a `users` table and a secret `api_keys`
table an injection could leak; `tree` names a folder of files, made in the student's process's
temporary folder, with things outside it worth stealing; `compare_digest_calls` counts the calls
to hmac.compare_digest made there. A file `safe_open` opens stays in their process too (a handle:
`.read()` and `.close()` cross). The `student` fixture (a remote module) comes from the grader;
nothing here imports it.
"""

from __future__ import annotations

import contextlib

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
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


#: Runs beside the student's code (the `student_helper` fixture), in the student's process: it makes
#: what cannot cross the process boundary from the data the tests send, and counts calls to
#: compare_digest. It holds no expected values: a student could read it.
HELPER = """
import hmac
import os
import secrets
import sqlite3
import tempfile

SCHEMA = \"\"\"
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE api_keys (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, secret TEXT NOT NULL);
\"\"\"


def database(users, secret):
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", users)
    conn.execute("INSERT INTO api_keys (owner, secret) VALUES ('alice', ?)", (secret,))
    conn.commit()
    return conn


def tree(files, links):
    \"\"\"A fresh folder holding `files` ({relative path: bytes}) and `links` ([link, target, is_dir]); its path.\"\"\"
    root = tempfile.mkdtemp(prefix="site-")
    for name, data in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data)
    for link, target, is_dir in links:
        os.symlink(os.path.join(root, target), os.path.join(root, link), target_is_directory=is_dir)
    return root


calls = []
real = hmac.compare_digest
patched = []


def spy(a, b):
    calls.append(1)
    return real(a, b)


def install(student):
    for owner in (hmac, secrets):
        patched.append((owner, owner.compare_digest))
        owner.compare_digest = spy
    if getattr(student, "compare_digest", None) is real:
        patched.append((student, real))
        student.compare_digest = spy


def uninstall():
    while patched:
        owner, original = patched.pop()
        owner.compare_digest = original


def count():
    return len(calls)
"""

@pytest.fixture
def helper(student: Any, student_helper: Callable[..., Any]) -> Any:
    """The helper module, run in the student's process (a handle to it)."""
    return student_helper(HELPER, "security_helper")


@pytest.fixture
def db(helper: Any) -> Iterator[Any]:
    """An in-memory database with USERS, and an api_keys table holding API_SECRET (a handle to the connection)."""
    conn = helper.database([list(user) for user in USERS], API_SECRET)
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):  # after a restart the old handle is gone, and so is its database
            conn.close()


def user_row(username: str) -> dict[str, Any]:
    """What find_user should return for one of USERS."""
    for user_id, name, email, is_admin in USERS:
        if name == username:
            return {"id": user_id, "username": name, "email": email, "is_admin": bool(is_admin)}
    raise KeyError(username)


@dataclass
class Tree:
    """A base folder to serve files from, and what lies around it (paths in the student's process)."""

    root: PurePosixPath  # holds everything below
    base: PurePosixPath  # root/files: the folder safe_open may read
    secret: PurePosixPath  # root/secret.txt: outside base
    sibling_key: PurePosixPath  # root/files-private/key.txt: a sibling whose name starts with base's


TREE_FILES: dict[str, bytes] = {
    "files/notes.txt": b"public notes",
    "files/sub/note.txt": b"a note in sub",
    "files/reports/2024.txt": b"report 2024",
    "files/50%25.txt": b"a name with a percent sign",
    "secret.txt": b"TOP SECRET",
    "outside/loot.txt": b"LOOT",
    "files-private/key.txt": b"PRIVATE KEY",
}
TREE_LINKS: list[tuple[str, str, bool]] = [
    ("files/alias.txt", "files/notes.txt", False),
    ("files/escape.txt", "secret.txt", False),
    ("files/outdir", "outside", True),
    ("files-link", "files", True),
]


@pytest.fixture
def tree(helper: Any) -> Tree:
    """root/files/{notes.txt, sub/note.txt, reports/2024.txt, 50%25.txt, alias.txt -> notes.txt,
    escape.txt -> ../secret.txt, outdir -> ../outside/}, root/secret.txt, root/outside/loot.txt,
    root/files-private/key.txt, and root/files-link -> files (the base reached through a symlink)."""
    made = helper.tree(TREE_FILES, [list(link) for link in TREE_LINKS])
    if not isinstance(made, str) or not made.startswith("/"):
        pytest.fail("the grader could not make its folder of files in your code's process", pytrace=False)
    root = PurePosixPath(made)
    return Tree(root, root / "files", root / "secret.txt", root / "files-private" / "key.txt")


class Calls:
    """How many times compare_digest was called (asked of the helper each time)."""

    def __init__(self, helper: Any) -> None:
        self.helper = helper

    def __len__(self) -> int:
        count = self.helper.count()
        return count if type(count) is int and count >= 0 else 0


@pytest.fixture
def compare_digest_calls(student: Any, helper: Any) -> Iterator[Calls]:
    """Count every call to hmac.compare_digest / secrets.compare_digest made while the test runs.

    The real function still does the work; the count only shows whether it was used. A submission
    that did `from hmac import compare_digest` is patched in its own namespace too.
    """
    helper.install(student)
    try:
        yield Calls(helper)
    finally:
        helper.uninstall()


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


def read_via(student: ModuleType, base: PurePosixPath, user_path: str, what: str = "") -> bytes:
    """safe_open(base, user_path).read(), closing the file; fails readably (naming the call, or `what`) if it raises."""
    handle = call_ok(lambda: student.safe_open(str(base), user_path), what or f"safe_open(base, {user_path!r})")
    try:
        data = handle.read()
    finally:
        handle.close()
    assert isinstance(data, bytes), f"safe_open should open the file in binary mode ('rb'), read() gave {type(data).__name__}"
    return data
