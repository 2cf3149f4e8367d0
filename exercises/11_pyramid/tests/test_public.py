"""Public tests for 11_pyramid. Run `pytest` in this exercise's folder.

They show the shape of the hidden suite, which checks much more (validation rules, 409, deleting,
tags, 405 on every route, the X-Response-Time header on errors, one store per app). They fail
until app.py is written.
"""

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find app.py next to tests/

with warnings.catch_warnings():
    # WebOb (under Pyramid and WebTest) still imports the deprecated `cgi` module; that is not your code.
    warnings.simplefilter("ignore", DeprecationWarning)
    import app
    from webtest import TestApp

PYTHON_DOCS = "https://docs.python.org/3/"


@pytest.fixture
def api() -> TestApp:
    return TestApp(app.make_app())


def test_create_then_get_a_bookmark(api: TestApp) -> None:
    created = api.post_json("/bookmarks", {"url": PYTHON_DOCS, "title": "Python docs", "tags": ["python"]}, expect_errors=True)
    expected = {"id": 1, "url": PYTHON_DOCS, "title": "Python docs", "tags": ["python"]}
    assert created.status_int == 201, f"POST /bookmarks should answer 201, got {created.status} {created.text!r}"
    assert created.json == expected, f"POST /bookmarks should answer {expected!r}, got {created.json!r}"
    assert created.headers.get("Location", "").endswith("/bookmarks/1"), (
        f"Location should end in /bookmarks/1, got {created.headers}"
    )
    got = api.get("/bookmarks/1", expect_errors=True)
    assert got.status_int == 200 and got.json == expected, f"GET /bookmarks/1: got {got.status} {got.text!r}"


def test_bad_input_is_a_json_400(api: TestApp) -> None:
    bad = api.post_json("/bookmarks", {"url": "ftp://files.example/", "title": "FTP"}, expect_errors=True)
    assert bad.status_int == 400, f"a url that is not http(s) should be a 400, got {bad.status} {bad.text!r}"
    assert bad.content_type == "application/json" and "error" in bad.json, (
        f"the 400 should be JSON {{'error': ...}}, got {bad.text!r}"
    )


def test_unknown_url_and_wrong_method(api: TestApp) -> None:
    missing = api.get("/nope", expect_errors=True)
    assert missing.status_int == 404 and missing.content_type == "application/json", (
        f"GET /nope: got {missing.status} {missing.text!r}"
    )
    wrong = api.put("/bookmarks", expect_errors=True)
    assert wrong.status_int == 405 and wrong.content_type == "application/json", (
        f"PUT /bookmarks: got {wrong.status} {wrong.text!r}"
    )


def test_tags_and_the_response_time_header(api: TestApp) -> None:
    api.post_json("/bookmarks", {"url": PYTHON_DOCS, "title": "Python docs", "tags": ["python"]}, expect_errors=True)
    got = api.get("/tags/python", expect_errors=True)
    assert got.status_int == 200, f"GET /tags/python: got {got.status} {got.text!r}"
    assert [b["id"] for b in got.json["bookmarks"]] == [1], f"GET /tags/python should list bookmark 1, got {got.json!r}"
    assert got.headers.get("X-Response-Time", "").endswith("ms"), f"X-Response-Time should be like '0.215ms', got {got.headers}"
