"""Hidden suite for 15_security: SQL injection, HTML escaping, path traversal, constant-time compare.

The submission runs in its own process (see conftest.py): a database, a folder of files and a
compare_digest spy are made there, and only plain data (and handles) come back. Every test attacks: each one pairs friendly input (which the vulnerable starter handles) with real
attack payloads or a check of secure behaviour (which it does not). HTML is checked by parsing it
the way a browser tokenizes it, so `&#34;` and `&quot;` are equally fine.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from types import ModuleType
from typing import Any

import pytest
from conftest import API_SECRET, USERS, Tree, assert_raises, call_ok, parse_html, read_via, user_row

# --- SQL: find_user --------------------------------------------------------------------------


def find(student: ModuleType, db: Any, username: str) -> Any:
    return call_ok(lambda: student.find_user(db, username), f"find_user(conn, {username!r})")


def assert_no_user(student: ModuleType, db: Any, payload: str) -> None:
    got = find(student, db, payload)
    assert got is None, f"find_user(conn, {payload!r}) should be None (no user has that name), got {got!r}: SQL injection"


@pytest.mark.points(
    2,
    hint="Never build SQL with f-strings: pass the value as a parameter, conn.execute('... WHERE username = ?', (username,)).",
)
def test_find_user_resists_or_true_injection(student: ModuleType, db: Any) -> None:
    got = find(student, db, "bob")
    assert got == user_row("bob"), f"find_user(conn, 'bob') should be {user_row('bob')!r}, got {got!r}"
    assert find(student, db, "nobody") is None, "find_user(conn, 'nobody') should be None"
    for payload in ("' OR '1'='1", "' OR 1=1 --", "x' OR username LIKE '%", "alice' --", "alice'/*", "' OR is_admin=1 --"):
        assert_no_user(student, db, payload)


@pytest.mark.points(1, hint="With a parameter, a name with an apostrophe (O'Brien) is just a name: no escaping by hand.")
def test_find_user_finds_names_with_quotes(student: ModuleType, db: Any) -> None:
    got, expected = find(student, db, "O'Brien"), user_row("O'Brien")
    assert got == expected, f'find_user(conn, "O\'Brien") should be {expected!r}, got {got!r}'
    for payload in ("nobody' OR ''='", "O''Brien"):
        assert_no_user(student, db, payload)


@pytest.mark.points(
    1,
    hint="WHERE username = ? matches exactly: no LIKE (% and _ would be wildcards) and no COLLATE NOCASE; "
    "return is_admin as a bool (True/False), not SQLite's 0/1.",
)
def test_find_user_matches_exactly(student: ModuleType, db: Any) -> None:
    for name in ("alice", "a_b", "O'Brien"):
        got, expected = find(student, db, name), user_row(name)
        assert got == expected, f"find_user(conn, {name!r}) should be {expected!r}, got {got!r}"
        types = {key: type(value).__name__ for key, value in got.items()}
        assert types == {"id": "int", "username": "str", "email": "str", "is_admin": "bool"}, (
            f"find_user(conn, {name!r}) should give id an int, username and email str, is_admin a bool (True/False); "
            f"got the types {types}"
        )
    for name in ("%", "_%", "a%", "ax_", "ALICE", "Bob", "alice "):
        got = find(student, db, name)
        assert got is None, f"find_user(conn, {name!r}) should be None (no username is exactly {name!r}), got {got!r}"


@pytest.mark.points(
    1,
    hint="Pass the value as a ? parameter, never in the SQL text: even quotes escaped by hand leave it in the text, "
    "and SQLite refuses some characters there (a NUL byte).",
)
def test_find_user_never_puts_the_value_in_the_sql(student: ModuleType, db: Any) -> None:
    got, expected = find(student, db, "O'Brien"), user_row("O'Brien")
    assert got == expected, f'find_user(conn, "O\'Brien") should be {expected!r}, got {got!r}'
    for payload in ("bob\x00", "bob\x00' OR '1'='1", "\x00"):
        try:
            got = student.find_user(db, payload)
        except Exception as exc:
            pytest.fail(
                f"find_user(conn, {payload!r}) should be None (no user has that name), but it raised "
                f"{type(exc).__name__}: {exc}: the value went into the SQL text instead of a ? parameter",
                pytrace=False,
            )
        assert got is None, f"find_user(conn, {payload!r}) should be None (no user has that name), got {got!r}"


@pytest.mark.points(2, hint="A UNION SELECT payload must not leak another table: with a ? parameter it is only a strange name.")
def test_find_user_resists_union_select(student: ModuleType, db: Any) -> None:
    payloads = [
        "nobody' UNION SELECT id, secret, owner, 1 FROM api_keys --",
        "' UNION SELECT 1, sqlite_version(), name, 1 FROM sqlite_master WHERE type='table' --",
    ]
    for payload in payloads:
        got = find(student, db, payload)
        assert API_SECRET not in repr(got), f"find_user(conn, {payload!r}) leaked the API secret: got {got!r}"
        assert got is None, f"find_user(conn, {payload!r}) should be None, got {got!r}: SQL injection"


@pytest.mark.points(
    1,
    hint="A payload with '; DROP TABLE ...' must be a harmless lookup that finds "
    "nobody, not an error and not a second statement.",
)
def test_find_user_resists_stacked_queries(student: ModuleType, db: Any) -> None:
    payloads = [
        "'; DROP TABLE users; --",
        "bob'; UPDATE users SET is_admin = 1 WHERE username = 'bob'; --",
    ]
    for payload in payloads:
        assert_no_user(student, db, payload)
    count = db.execute("SELECT count(*) FROM users").fetchone()[0]
    assert count == len(USERS), f"the users table should still hold {len(USERS)} rows, got {count}"
    bob = find(student, db, "bob")
    assert bob == user_row("bob"), f"bob should be unchanged (not an admin), got {bob!r}"


# --- SQL: search_users -----------------------------------------------------------------------


def search(student: ModuleType, db: Any, text: str, order_by: str | None = None) -> Any:
    if order_by is None:
        return call_ok(lambda: student.search_users(db, text), f"search_users(conn, {text!r})")
    return call_ok(
        lambda: student.search_users(db, text, order_by=order_by), f"search_users(conn, {text!r}, order_by={order_by!r})"
    )


@pytest.mark.points(
    2,
    hint="Pass the LIKE pattern as a parameter: '... WHERE username LIKE ? ...' with "
    "('%' + text + '%',), never inside the SQL string.",
)
def test_search_users_resists_injection(student: ModuleType, db: Any) -> None:
    got = search(student, db, "li")
    assert got == ["alice", "charlie"], f"search_users(conn, 'li') should be ['alice', 'charlie'], got {got!r}"
    got = search(student, db, "AL")
    assert got == ["alice", "mallory"], (
        f"search_users(conn, 'AL') should be ['alice', 'mallory'] (LIKE ignores ASCII case), got {got!r}"
    )
    for payload in ("' OR 1=1 --", "%' OR '1'='1", "zzz' UNION SELECT secret FROM api_keys --"):
        got = search(student, db, payload)
        assert got == [], f"search_users(conn, {payload!r}) should be [] (no username contains that text), got {got!r}"


@pytest.mark.points(
    2,
    hint="A column name cannot be a ? parameter: check order_by against a whitelist ('id', "
    "'username', 'email') and raise ValueError otherwise.",
)
def test_search_users_whitelists_order_by(student: ModuleType, db: Any) -> None:
    orders = {
        "username": ["O'Brien", "a_b", "axb", "back\\slash", "bob"],
        "id": ["bob", "O'Brien", "a_b", "axb", "back\\slash"],
        "email": ["a_b", "axb", "bob", "O'Brien", "back\\slash"],
    }
    for order_by, expected in orders.items():
        got = search(student, db, "b", order_by=order_by)
        assert got == expected, f"search_users(conn, 'b', order_by={order_by!r}) should be {expected!r}, got {got!r}"
    attacks = [
        "(SELECT secret FROM api_keys)",
        "CASE WHEN (SELECT substr(secret, 1, 1) FROM api_keys) = 's' THEN id ELSE email END",
        "username; DROP TABLE users",
        "username DESC",
        "is_admin",
        "USERNAME",
        "",
    ]
    for order_by in attacks:
        assert_raises(
            ValueError,
            lambda order_by=order_by: student.search_users(db, "a", order_by=order_by),
            f"search_users(conn, 'a', order_by={order_by!r})",
        )
    count = db.execute("SELECT count(*) FROM users").fetchone()[0]
    assert count == len(USERS), f"the users table should still hold {len(USERS)} rows, got {count}"


@pytest.mark.points(
    1,
    hint=r"In LIKE, % and _ are wildcards: escape \ then % and _ with a backslash and add ESCAPE '\' so they match themselves.",
)
def test_search_users_treats_wildcards_literally(student: ModuleType, db: Any) -> None:
    cases = {"_": ["a_b"], "%": ["100%"], "0%": ["100%"], "\\": ["back\\slash"], "a_": ["a_b"], "x": ["axb"]}
    for text, expected in cases.items():
        got = search(student, db, text)
        assert got == expected, (
            f"search_users(conn, {text!r}) should be {expected!r} (the character itself, not a wildcard), got {got!r}"
        )


# --- HTML: render_profile / render_comment ------------------------------------------------------


def profile(student: ModuleType, name: str, website: str, bio: str) -> Any:
    return call_ok(lambda: student.render_profile(name, website, bio), f"render_profile({name!r}, {website!r}, {bio!r})")


def comment(student: ModuleType, author: str, text: str) -> Any:
    return call_ok(lambda: student.render_comment(author, text), f"render_comment({author!r}, {text!r})")


@pytest.mark.points(
    2,
    hint="Escape every value you put into HTML (markupsafe.escape or html.escape): <script> must arrive as text, not as a tag.",
)
def test_render_profile_escapes_tags(student: ModuleType) -> None:
    got = profile(student, "Ada", "https://ada.example", "Hello!")
    expected = '<div class="profile"><a href="https://ada.example" title="Ada">Ada</a><p>Hello!</p></div>'
    assert got == expected, f"render_profile('Ada', 'https://ada.example', 'Hello!') should be {expected!r}, got {got!r}"
    name, bio = "<script>alert(1)</script>", "<img src=x onerror=alert(1)> & <b>bold</b>"
    html = profile(student, name, "https://ada.example", bio)
    parsed = parse_html(html, "render_profile")
    assert parsed.tags == ["div", "a", "p"], (
        f"with a name and bio full of tags, the HTML should still hold only div, a, p; a browser sees {parsed.tags} in {html!r}"
    )
    link, paragraph = parsed.first("a"), parsed.first("p")
    assert link is not None and link.text == name, f"the link text should be the name as text, {name!r}; got {html!r}"
    assert paragraph is not None and paragraph.text == bio, f"the paragraph should be the bio as text, {bio!r}; got {html!r}"
    assert link.attrs.get("title") == name, f"the title attribute should be the name {name!r}, got {link.attrs!r}"


@pytest.mark.points(
    2,
    hint="Inside an attribute, quotes must be escaped too (\" and '): html.escape(s) or "
    "markupsafe.escape(s) do; html.escape(s, quote=False) does not.",
)
def test_render_profile_escapes_quotes_in_attributes(student: ModuleType) -> None:
    names = ['" onmouseover="alert(1)', "Bob\" autofocus onfocus=\"alert('x')", "O'Brien & Sons"]
    for name in names:
        html = profile(student, name, "https://ok.example/", "bio")
        link = parse_html(html, "render_profile").first("a")
        assert link is not None and link.attrs == {"href": "https://ok.example/", "title": name}, (
            f"with the name {name!r} the link's attributes should be exactly href and title={name!r}; "
            f"a browser sees {link.attrs if link else None!r} in {html!r}"
        )
    website = 'https://ok.example/" onclick="alert(1)'
    html = profile(student, "Ada", website, "bio")
    link = parse_html(html, "render_profile").first("a")
    assert link is not None and link.attrs == {"href": website, "title": "Ada"}, (
        f"with the website {website!r} the link's attributes should be exactly href={website!r} and title; "
        f"a browser sees {link.attrs if link else None!r} in {html!r}"
    )


@pytest.mark.points(
    2,
    hint="Allow only URLs that start with http:// or https:// (any case); anything "
    'else (javascript:, data:, ...) becomes href="#".',
)
def test_render_profile_refuses_dangerous_urls(student: ModuleType) -> None:
    dangerous = [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "\tjavascript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "https:evil.example",
        "",
    ]
    for website in dangerous:
        html = profile(student, "Eve", website, "bio")
        link = parse_html(html, "render_profile").first("a")
        href = link.attrs.get("href") if link else None
        assert href == "#", (
            f'render_profile(..., website={website!r}, ...) should give href="#", a browser sees href={href!r} in {html!r}'
        )
    for website in ("https://ok.example/a?b=1&c=2", "HTTP://EXAMPLE.COM/", "http://localhost:8000/"):
        html = profile(student, "Ada", website, "bio")
        link = parse_html(html, "render_profile").first("a")
        href = link.attrs.get("href") if link else None
        assert href == website, (
            f"render_profile(..., website={website!r}, ...) should keep the URL, a browser sees href={href!r} in {html!r}"
        )


@pytest.mark.points(
    2,
    hint="Escape the text first, then join its lines with <br> (Markup('<br>').join(...)): "
    "escaping after adding <br> breaks them, not escaping lets tags in.",
)
def test_render_comment_escapes_and_keeps_line_breaks(student: ModuleType) -> None:
    got = comment(student, "bob", "first line\nsecond line")
    expected = '<li class="comment"><b>bob</b>: first line<br>second line</li>'
    assert got == expected, f"render_comment('bob', 'first line\\nsecond line') should be {expected!r}, got {got!r}"
    author, text = "<i>mallory</i>", "<script>alert('x')</script>\n<b onclick=steal()>bold</b>\n\"quoted\" & 'single'"
    html = comment(student, author, text)
    parsed = parse_html(html, "render_comment")
    assert parsed.tags == ["li", "b", "br", "br"], (
        f"the comment's HTML should hold only li, b and one br per line break; a browser sees {parsed.tags} in {html!r}"
    )
    bold = parsed.first("b")
    assert bold is not None and bold.text == author, f"the author should be shown as text, {author!r}; got {html!r}"
    expected_text = f"{author}: " + text.replace("\n", "")
    assert parsed.text == expected_text, f"the comment's text should read {expected_text!r}, a browser sees {parsed.text!r}"


@pytest.mark.points(
    1,
    hint="Escape all five characters & < > \" ' (markupsafe.escape or html.escape do): an escaper of your own that "
    "skips & shows '&lt;' as '<', one that skips ' breaks out of any attribute in single quotes.",
)
def test_render_escapes_every_special_character(student: ModuleType) -> None:
    name, bio = "Ann O'Hara &amp; co", "it's 5 &lt; 6 & 'quoted' <i>"
    html = profile(student, name, "https://ann.example/?q=1&r=2", bio)
    parsed = parse_html(html, "render_profile")
    link, paragraph = parsed.first("a"), parsed.first("p")
    assert link is not None and link.text == name and link.attrs.get("title") == name, (
        f"the name {name!r} should be shown exactly as typed, in the link and its title; a browser sees {html!r}"
    )
    assert paragraph is not None and paragraph.text == bio, (
        f"the bio {bio!r} should be shown exactly as typed; a browser sees {paragraph.text if paragraph else None!r} in {html!r}"
    )
    author, text = "d'Artagnan", "l'amour &amp; la guerre\nit's &#39;fine&#39;"
    comment_html = comment(student, author, text)
    shown = parse_html(comment_html, "render_comment").text
    expected = f"{author}: " + text.replace("\n", "")
    assert shown == expected, f"the comment should read {expected!r} exactly as typed, a browser sees {shown!r}"
    for what, got in (("render_profile", html), ("render_comment", comment_html)):
        assert "'" not in got, f"{what} should escape every ' in the values (&#39;), like & < > and \"; got {got!r}"


# --- paths: safe_open -------------------------------------------------------------------------


def assert_refused(student: ModuleType, base: PurePosixPath, user_path: str, also: tuple[type[BaseException], ...] = ()) -> None:
    """safe_open(base, user_path) must raise UnsafePathError (or one of `also`), never open a file."""
    what = f"safe_open(base, {user_path!r})"
    try:
        handle = student.safe_open(str(base), user_path)
    except student.UnsafePathError:
        return
    except also:
        return
    except Exception as exc:
        pytest.fail(f"{what} should raise UnsafePathError, got {type(exc).__name__}: {exc}", pytrace=False)
    try:
        data = handle.read(100) if hasattr(handle, "read") else handle
    finally:
        if hasattr(handle, "close"):
            handle.close()
    pytest.fail(f"{what} should raise UnsafePathError, but it opened a file holding {data!r}: path traversal", pytrace=False)


@pytest.mark.points(
    2,
    hint="Resolve base / user_path and refuse it unless it is inside the resolved "
    "base: Path.resolve() then .is_relative_to(base).",
)
def test_safe_open_refuses_dot_dot(student: ModuleType, tree: Tree) -> None:
    for user_path, expected in (
        ("notes.txt", b"public notes"),
        ("sub/note.txt", b"a note in sub"),
        ("sub/../notes.txt", b"public notes"),
    ):
        got = read_via(student, tree.base, user_path)
        assert got == expected, f"safe_open(base, {user_path!r}) should read {expected!r}, got {got!r}"
    for user_path in (
        "../secret.txt",
        "sub/../../secret.txt",
        "./../secret.txt",
        "sub/../../outside/loot.txt",
        "../../../../../../etc/passwd",
    ):
        assert_refused(student, tree.base, user_path)


@pytest.mark.points(
    1, hint="An absolute user_path replaces the base in os.path.join and Path /: refuse it (PurePosixPath(p).is_absolute())."
)
def test_safe_open_refuses_absolute_paths(student: ModuleType, tree: Tree) -> None:
    got = read_via(student, tree.base, "reports/2024.txt")
    assert got == b"report 2024", f"safe_open(base, 'reports/2024.txt') should read b'report 2024', got {got!r}"
    for user_path in (str(tree.secret), "/etc/passwd", "//etc/passwd", str(tree.base / "notes.txt")):
        assert_refused(student, tree.base, user_path)


@pytest.mark.points(
    2,
    hint="Resolve both base_dir and base_dir / user_path with Path.resolve(), which follows symlinks: "
    "compare where they really are, not the names they have.",
)
def test_safe_open_refuses_symlinks_that_escape(student: ModuleType, tree: Tree) -> None:
    got = read_via(student, tree.base, "alias.txt")
    assert got == b"public notes", f"safe_open(base, 'alias.txt'), a link to notes.txt inside base, should read it; got {got!r}"
    for user_path in ("escape.txt", "outdir/loot.txt"):
        assert_refused(student, tree.base, user_path)
    linked = tree.root / "files-link"
    what = "safe_open(base, 'notes.txt') with base_dir given through a symlink (files-link -> files; resolve base_dir too)"
    got = read_via(student, linked, "notes.txt", what)
    assert got == b"public notes", f"{what} should read b'public notes', got {got!r}"
    assert_refused(student, linked, "../secret.txt")


@pytest.mark.points(
    1,
    hint="Decode the path first (urllib.parse.unquote, once), then check the decoded path: '..%2F' is '../'.",
)
def test_safe_open_decodes_then_checks(student: ModuleType, tree: Tree) -> None:
    for user_path, expected in (
        ("reports%2F2024.txt", b"report 2024"),
        ("sub%2Fnote.txt", b"a note in sub"),
        ("50%2525.txt", b"a name with a percent sign"),  # the file 50%25.txt: decoded once, not twice
    ):
        got = read_via(student, tree.base, user_path)
        assert got == expected, f"safe_open(base, {user_path!r}) should decode the path and read {expected!r}, got {got!r}"
    for user_path in (
        "..%2Fsecret.txt",
        "%2e%2e%2fsecret.txt",
        "%2E%2E/secret.txt",
        "sub%2F..%2F..%2Fsecret.txt",
        "%2Fetc%2Fpasswd",
    ):
        assert_refused(student, tree.base, user_path)
    assert_refused(student, tree.base, "..%252Fsecret.txt", also=(FileNotFoundError,))


@pytest.mark.points(1, hint="Refuse a NUL byte (raw or %00) with UnsafePathError before touching the file system.")
def test_safe_open_refuses_nul_bytes(student: ModuleType, tree: Tree) -> None:
    got = read_via(student, tree.base, "notes.txt")
    assert got == b"public notes", f"safe_open(base, 'notes.txt') should read b'public notes', got {got!r}"
    for user_path in ("notes.txt\x00.png", "notes.txt%00.png", "%00"):
        assert_refused(student, tree.base, user_path)


@pytest.mark.points(
    1,
    hint="'/site/files-private'.startswith('/site/files') is True: compare whole path components (is_relative_to), not strings.",
)
def test_safe_open_compares_whole_folder_names(student: ModuleType, tree: Tree) -> None:
    assert_refused(student, tree.base, "../files-private/key.txt")
    assert_refused(student, tree.base, "sub/../../files-private/key.txt")


@pytest.mark.points(
    1,
    hint="Check the path before opening: a missing file inside base is "
    "FileNotFoundError, a path outside base is UnsafePathError.",
)
def test_safe_open_missing_files(student: ModuleType, tree: Tree) -> None:
    assert_raises(FileNotFoundError, lambda: student.safe_open(str(tree.base), "missing.txt"), "safe_open(base, 'missing.txt')")
    assert_raises(
        student.UnsafePathError,
        lambda: student.safe_open(str(tree.base), "../missing.txt"),
        "safe_open(base, '../missing.txt')",
        not_=FileNotFoundError,
    )


# --- secrets: tokens_match --------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Compare secrets with hmac.compare_digest, never ==: == stops at the first differing byte, which leaks through timing.",
)
def test_tokens_match_uses_compare_digest(student: ModuleType, compare_digest_calls: Any) -> None:
    token = "tok_3f9a1c0e7b2d"
    assert call_ok(lambda: student.tokens_match(token, token), "tokens_match(token, token)") is True, (
        "tokens_match(token, the same token) should be True"
    )
    assert call_ok(lambda: student.tokens_match(token, "tok_3f9a1c0e7b2X"), "tokens_match(token, other)") is False, (
        "tokens_match(token, a token differing in its last character) should be False"
    )
    assert call_ok(lambda: student.tokens_match(token, "Xok_3f9a1c0e7b2d"), "tokens_match(token, other)") is False, (
        "tokens_match(token, a token differing in its first character) should be False"
    )
    assert len(compare_digest_calls) >= 3, (
        f"tokens_match should compare with hmac.compare_digest every time; it was called {len(compare_digest_calls)} "
        "time(s) for 3 comparisons of equal-length tokens"
    )


@pytest.mark.points(
    1,
    hint="Encode str to bytes with UTF-8 before comparing: compare_digest refuses non-ASCII str, and str never equals bytes.",
)
def test_tokens_match_accepts_str_and_bytes(student: ModuleType) -> None:
    cases: list[tuple[str | bytes, str | bytes, bool]] = [
        (b"abc123", "abc123", True),
        ("abc123", b"abc123", True),
        ("pässwörd-ü", "pässwörd-ü", True),
        ("pässwörd-ü", "pässwörd-u", False),
        ("pässwörd-ü".encode(), "pässwörd-ü", True),
        (b"\xff\x00raw", b"\xff\x00raw", True),
    ]
    for expected, given, result in cases:
        got = call_ok(
            lambda expected=expected, given=given: student.tokens_match(expected, given), f"tokens_match({expected!r}, {given!r})"
        )
        assert got is result, f"tokens_match({expected!r}, {given!r}) should be {result}, got {got!r}"


@pytest.mark.points(
    1,
    hint="A missing or wrong-length token is simply False; an empty expected secret is a "
    "ValueError (a server without a secret must not match '').",
)
def test_tokens_match_handles_missing_and_empty_values(student: ModuleType) -> None:
    for given in (None, "", "abc12", "abc1234", 123, ["abc123"]):
        got = call_ok(lambda given=given: student.tokens_match("abc123", given), f"tokens_match('abc123', {given!r})")
        assert got is False, f"tokens_match('abc123', {given!r}) should be False, got {got!r}"
    for expected, given in (("", ""), (b"", b""), ("", "tok_3f9a1c0e7b2d"), (b"", None)):
        assert_raises(
            ValueError,
            lambda expected=expected, given=given: student.tokens_match(expected, given),
            f"tokens_match({expected!r}, {given!r})",
        )
