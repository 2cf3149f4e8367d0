"""Hidden suite for 11_pyramid: a bookmarks API built with pyramid.config.Configurator.

Graded across the process boundary: every test gets a new `student.make_app()` behind WebTest in
the student's process through the `api` fixture (conftest.py); the answers cross as plain data
and the tests check status codes, JSON bodies and headers here.

PYTEST_DONT_REWRITE: a failed assertion shows the student its message alone, without pytest's
explanation of the compared values.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import Api, MakeApi

PYTHON_DOCS = "https://docs.python.org/3/"
PYRAMID_DOCS = "https://docs.pylonsproject.org/projects/pyramid/"
WEBTEST_DOCS = "http://docs.pylonsproject.org/projects/webtest/"


def three_bookmarks(api: Api) -> list[dict[str, Any]]:
    return [
        api.add(PYTHON_DOCS, "Python docs", ["python", "docs"]),
        api.add(PYRAMID_DOCS, "Pyramid", ["python", "web"]),
        api.add(WEBTEST_DOCS, "WebTest", ["testing"]),
    ]


# --- creating and reading -----------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="POST /bookmarks: set request.response.status_code = 201 and .location to the new bookmark's URL, return the bookmark.",
)
def test_post_creates_a_bookmark(api: Api) -> None:
    body = {"url": PYTHON_DOCS, "title": "Python docs", "tags": ["python", "docs"]}
    reply = api.post("/bookmarks", body)
    got = reply.expect(201)
    expected = {"id": 1, "url": PYTHON_DOCS, "title": "Python docs", "tags": ["python", "docs"]}
    assert got == expected, f"POST /bookmarks {json.dumps(body)} should answer {expected!r}, got {got!r}"
    location = reply.headers.get("location", "")
    assert location.endswith("/bookmarks/1"), f"the 201 should carry a Location header ending in /bookmarks/1, got {location!r}"
    second = api.post("/bookmarks", {"url": PYRAMID_DOCS, "title": "Pyramid", "extra": "ignored"}).expect(201)
    expected = {"id": 2, "url": PYRAMID_DOCS, "title": "Pyramid", "tags": []}
    assert second == expected, (
        f"a second POST without tags (and an extra key to ignore) should answer {expected!r}, got {second!r}"
    )


@pytest.mark.points(1, hint="GET /bookmarks answers {'bookmarks': [...]} in id order; a new app has none.")
def test_get_bookmarks_lists_them_in_id_order(api: Api) -> None:
    empty = api.get("/bookmarks").expect(200)
    assert empty == {"bookmarks": []}, f"GET /bookmarks on a new app should be {{'bookmarks': []}}, got {empty!r}"
    made = three_bookmarks(api)
    got = api.get("/bookmarks").expect(200)
    assert got == {"bookmarks": made}, f"GET /bookmarks should be {{'bookmarks': {made!r}}}, got {got!r}"


@pytest.mark.points(
    2,
    hint="GET /bookmarks/{id}: answer the bookmark, or raise HTTPNotFound with a JSON body {'error': ...} when there is none.",
)
def test_get_one_bookmark_or_404(api: Api) -> None:
    made = three_bookmarks(api)
    got = api.get("/bookmarks/2").expect(200)
    assert got == made[1], f"GET /bookmarks/2 should answer {made[1]!r}, got {got!r}"
    for path in ("/bookmarks/99", "/bookmarks/0"):
        api.get(path).expect_error(404)


@pytest.mark.points(
    1,
    hint=r"Give the placeholder a pattern, /bookmarks/{id:\d+}: then /bookmarks/abc "
    r"matches no route, instead of int('abc') crashing, and your not-found view answers it with a JSON 404.",
)
def test_an_id_that_is_not_a_number_is_not_found(api: Api) -> None:
    api.add(PYTHON_DOCS, "Python docs")
    for path in ("/bookmarks/abc", "/bookmarks/-1", "/bookmarks/1.5", "/bookmarks/1x"):
        api.get(path).expect_error(404)
        api.delete(path).expect_error(404)


@pytest.mark.points(1, hint="Keep the bookmarks on the registry of the Configurator make_app() creates, not in a module global.")
def test_each_app_has_its_own_store(make_api: MakeApi) -> None:
    first = make_api()
    first.add(PYTHON_DOCS, "Python docs")
    second = make_api()
    got = second.get("/bookmarks").expect(200)
    assert got == {"bookmarks": []}, f"a second make_app() should start with no bookmarks, got {got!r}"
    created = second.add(PYTHON_DOCS, "Python docs again")
    assert created.get("id") == 1, f"ids should start at 1 in each new app, and the URL is new to it; got {created!r}"


# --- deleting ---------------------------------------------------------------------------------


@pytest.mark.points(2, hint="DELETE /bookmarks/{id} answers 204 with an empty body (return Response(status=204)), or a JSON 404.")
def test_delete_a_bookmark(api: Api) -> None:
    made = three_bookmarks(api)
    reply = api.delete("/bookmarks/2")
    status = reply.status
    assert status == 204, f"DELETE /bookmarks/2 should answer 204, got {status} with body {reply.text[:300]!r}"
    assert reply.body == b"", f"a 204 answer should have an empty body, got {reply.text[:300]!r}"
    api.get("/bookmarks/2").expect_error(404, "GET /bookmarks/2 after deleting it")
    api.delete("/bookmarks/2").expect_error(404, "DELETE /bookmarks/2 a second time")
    api.delete("/bookmarks/99").expect_error(404)
    left = api.get("/bookmarks").expect(200)
    assert left == {"bookmarks": [made[0], made[2]]}, (
        f"after deleting bookmark 2, GET /bookmarks should list 1 and 3, got {left!r}"
    )


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="request.json_body raises ValueError when the body is not JSON: catch it and "
    "raise HTTPBadRequest(json_body={'error': ...}).",
)
def test_post_rejects_bodies_that_are_not_a_json_object(api: Api) -> None:
    bodies = [b'{"url": "https://a.example", "title": "A"', b"not json", b"", b"[1, 2]", b'"https://a.example"', b"42", b"null"]
    for body in bodies:
        api.post_raw("/bookmarks", body).expect_error(400, f"POST /bookmarks with body {body!r}")
    left = api.get("/bookmarks").expect(200)
    assert left == {"bookmarks": []}, f"rejected POSTs should add nothing, but GET /bookmarks is {left!r}"


@pytest.mark.points(
    2,
    hint="url must be a string starting with http:// or https://, title a non-blank "
    "string, tags (optional) a list of non-blank strings.",
)
def test_post_validates_url_title_and_tags(api: Api) -> None:
    bad: list[dict[str, Any]] = [
        {"title": "no url"},
        {"url": 42, "title": "A number"},
        {"url": "ftp://files.example/", "title": "FTP"},
        {"url": "javascript:alert(1)", "title": "Script"},
        {"url": "docs.python.org", "title": "No scheme"},
        {"url": PYTHON_DOCS},
        {"url": PYTHON_DOCS, "title": ""},
        {"url": PYTHON_DOCS, "title": "   "},
        {"url": PYTHON_DOCS, "title": 7},
        {"url": PYTHON_DOCS, "title": "Python", "tags": "python"},
        {"url": PYTHON_DOCS, "title": "Python", "tags": ["python", 3]},
        {"url": PYTHON_DOCS, "title": "Python", "tags": ["python", " "]},
        {"url": PYTHON_DOCS, "title": "Python", "tags": None},
        {"url": PYTHON_DOCS, "title": "Python", "tags": {"python": True}},
    ]
    for body in bad:
        api.post("/bookmarks", body).expect_error(400, f"POST /bookmarks {json.dumps(body)}")
    left = api.get("/bookmarks").expect(200)
    assert left == {"bookmarks": []}, f"rejected POSTs should add nothing, but GET /bookmarks is {left!r}"


@pytest.mark.points(
    1, hint="A URL that is already bookmarked is a 409 Conflict (HTTPConflict) with a JSON error; nothing is added."
)
def test_post_rejects_a_url_that_is_already_bookmarked(api: Api) -> None:
    first = api.add(PYTHON_DOCS, "Python docs")
    api.post("/bookmarks", {"url": PYTHON_DOCS, "title": "Same URL, other title"}).expect_error(409)
    left = api.get("/bookmarks").expect(200)
    assert left == {"bookmarks": [first]}, f"the rejected duplicate should add nothing, but GET /bookmarks is {left!r}"
    other = api.add(PYRAMID_DOCS, "Pyramid")
    assert other.get("id") == 2, f"the next new URL should get id 2, got {other!r}"


@pytest.mark.points(
    1,
    hint="Only exactly the same url is a 409: compare the strings as they are (no lower-casing, no stripping of a final /).",
)
def test_only_exactly_the_same_url_is_a_duplicate(api: Api) -> None:
    api.add(PYTHON_DOCS, "Python docs")
    for url in ("https://docs.python.org/3", "https://DOCS.python.org/3/", "https://docs.python.org/3/?lang=en"):
        created = api.post("/bookmarks", {"url": url, "title": "Another page"}).expect(201, f"POST /bookmarks with url {url!r}")
        assert isinstance(created, dict) and created.get("url") == url, (
            f"{url!r} is not exactly {PYTHON_DOCS!r}, so it should be bookmarked as given, got {created!r}"
        )


@pytest.mark.points(1, hint="Store the tags exactly as they were sent: same order, same spelling, spaces kept; only check them.")
def test_tags_are_stored_as_given(api: Api) -> None:
    tags = ["web dev", " Python ", "python"]
    got = api.add(PYTHON_DOCS, "Python docs", tags)
    assert got.get("tags") == tags, f"POST /bookmarks with tags {tags!r} should store them as given, got {got.get('tags')!r}"
    listed = api.get("/bookmarks").expect(200)
    stored = [bookmark.get("tags") for bookmark in listed.get("bookmarks", [])] if isinstance(listed, dict) else listed
    assert stored == [tags], f"GET /bookmarks should show the tags {tags!r} as given, got {stored!r}"


# --- the tag route -------------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="GET /tags/{tag}: request.matchdict['tag'] (already URL-decoded); keep "
    "bookmarks whose tags list holds exactly that tag.",
)
def test_bookmarks_with_a_tag(api: Api) -> None:
    made = three_bookmarks(api)
    spaced = api.add("https://example.com/web-dev", "Web dev", ["web dev"])
    got = api.get("/tags/python").expect(200)
    assert got == {"tag": "python", "bookmarks": [made[0], made[1]]}, (
        f"GET /tags/python should list bookmarks 1 and 2, got {got!r}"
    )
    for tag in ("py", "pyth", "Python", "nothing"):
        got = api.get(f"/tags/{tag}").expect(200)
        assert got == {"tag": tag, "bookmarks": []}, (
            f"GET /tags/{tag} should match whole tags exactly and list nothing, got {got!r}"
        )
    got = api.get("/tags/web%20dev").expect(200)
    assert got == {"tag": "web dev", "bookmarks": [spaced]}, (
        f"GET /tags/web%20dev should list the 'web dev' bookmark, got {got!r}"
    )


# --- methods, unknown URLs, the tween ------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Add a fallback view to each route with no request_method predicate: Pyramid "
    "tries it last, so it gets the other methods (405).",
)
def test_a_method_a_route_does_not_support_is_405(api: Api) -> None:
    api.add(PYTHON_DOCS, "Python docs", ["python"])
    cases = [("PUT", "/bookmarks"), ("DELETE", "/bookmarks"), ("PATCH", "/bookmarks/1"), ("POST", "/bookmarks/1"),
             ("PUT", "/bookmarks/1"), ("POST", "/tags/python"), ("DELETE", "/tags/python")]  # fmt: skip
    for method, path in cases:
        api.request(method, path, body=b"{}" if method != "DELETE" else None).expect_error(405)
    still = api.get("/bookmarks/1").expect(200)
    assert still.get("title") == "Python docs", f"the refused requests should change nothing, got {still!r}"


@pytest.mark.points(1, hint="config.add_notfound_view(view, renderer='json'): unknown URLs answer 404 with JSON {'error': ...}.")
def test_an_unknown_url_is_a_json_404(api: Api) -> None:
    for path in ("/nope", "/", "/bookmarks/1/extra", "/tags", "/tags/"):
        api.get(path).expect_error(404)


RESPONSE_TIME = re.compile(r"^\d+(\.\d+)?ms$")


@pytest.mark.points(
    1,
    hint="A tween (config.add_tween) wraps every request, errors included: add "
    "X-Response-Time: <milliseconds>ms to each response.",
)
def test_every_response_has_an_x_response_time_header(api: Api) -> None:
    replies = [
        api.post("/bookmarks", {"url": PYTHON_DOCS, "title": "Python docs"}),
        api.get("/bookmarks"),
        api.get("/bookmarks/1"),
        api.get("/tags/python"),
        api.post("/bookmarks", {"url": "ftp://files.example/", "title": "FTP"}),
        api.post("/bookmarks", {"url": PYTHON_DOCS, "title": "again"}),
        api.get("/bookmarks/99"),
        api.get("/nope"),
        api.request("PUT", "/bookmarks", body=b"{}"),
        api.delete("/bookmarks/1"),
    ]
    for reply in replies:
        header = reply.headers.get("x-response-time")
        assert header is not None and RESPONSE_TIME.match(header), (
            f"{reply.asked} (answered {reply.status}) should carry a header X-Response-Time like '0.215ms', got {header!r}"
        )
