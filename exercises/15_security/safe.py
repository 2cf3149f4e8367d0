"""Four classic holes: SQL injection, HTML injection (XSS), path traversal, timing leaks.

This code works for friendly input, and every function is exploitable. Fix them without changing
what they do for friendly input; README.md says exactly what each must accept and refuse.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any, BinaryIO
from urllib.parse import unquote

SORTABLE_COLUMNS = frozenset({"id", "username", "email"})


class UnsafePathError(ValueError):
    """The path asked for would reach outside the base folder, or is not a plain relative path."""


# --- SQL --------------------------------------------------------------------------------------


def find_user(conn: sqlite3.Connection, username: str) -> dict[str, Any] | None:
    """The user called exactly `username`, or None."""
    row = conn.execute(f"SELECT id, username, email, is_admin FROM users WHERE username = '{username}'").fetchone()
    if row is None:
        return None
    return {"id": row[0], "username": row[1], "email": row[2], "is_admin": bool(row[3])}


def search_users(conn: sqlite3.Connection, text: str, order_by: str = "username") -> list[str]:
    """Usernames containing `text` (ASCII case-insensitively), sorted by `order_by`, then id."""
    rows = conn.execute(f"SELECT username FROM users WHERE username LIKE '%{text}%' ORDER BY {order_by}, id").fetchall()
    return [row[0] for row in rows]


# --- HTML -------------------------------------------------------------------------------------


def render_profile(name: str, website: str, bio: str) -> str:
    """A profile card: a link to the user's website, titled with their name, and their bio."""
    return f'<div class="profile"><a href="{website}" title="{name}">{name}</a><p>{bio}</p></div>'


def render_comment(author: str, text: str) -> str:
    """One comment as an <li>, with each line break of `text` turned into <br>."""
    body = text.replace("\n", "<br>")
    return f'<li class="comment"><b>{author}</b>: {body}</li>'


# --- paths ------------------------------------------------------------------------------------


def safe_open(base_dir: str | os.PathLike[str], user_path: str) -> BinaryIO:
    """Open `user_path` (URL-encoded, relative to `base_dir`) for reading in binary mode."""
    return open(os.path.join(base_dir, unquote(user_path)), "rb")


# --- secrets ----------------------------------------------------------------------------------


def tokens_match(expected: str | bytes, given: str | bytes | None) -> bool:
    """Compare a secret with what a client sent."""
    return expected == given
