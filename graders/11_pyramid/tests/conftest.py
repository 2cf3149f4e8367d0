"""Fixtures for the 11_pyramid hidden suite: the student's WSGI app behind WebTest, across the
process boundary.

The student's app cannot cross into the grader's process, so it lives beside their code:
`WEBTEST` (run there through the `student_helper` fixture) wraps `webtest.TestApp(app)` and
answers each request with plain data (status, headers, body bytes). `api` turns each answer into
a `Reply`, whatever its status, and an exception escaping the app (a view that crashed) fails the
test with one readable line. The `student` fixture (the submission, a remote module) comes from
the grader; nothing here imports it.

Trust rule: `WEBTEST` runs in the student's process and they could read or change it, so it holds
no expected value and decides nothing; it only reports what the app answered.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

#: Runs beside the student's code (the `student_helper` fixture). Nothing secret: a student could read it.
WEBTEST = """
import webtest

def describe(app):
    return {"callable": callable(app), "type": type(app).__name__}

class Api:
    def __init__(self, app):
        self.app = webtest.TestApp(app)

    def request(self, method, path, body=None):
        options = {"method": method, "expect_errors": True}
        if body is not None:
            options["body"] = body
            options["content_type"] = "application/json"
        response = self.app.request(path, **options)
        headers = [[str(name), str(value)] for name, value in response.headerlist]
        return {"status": int(response.status_int), "headers": headers, "body": bytes(response.body)}
"""


@dataclass
class Reply:
    """One response, read in full."""

    asked: str  # e.g. "POST /bookmarks"
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self, what: str | None = None) -> Any:
        """The body parsed as JSON; fails with a readable message when it is not."""
        content_type = self.headers.get("content-type", "")
        try:
            parsed = json.loads(self.body)
        except ValueError:
            pytest.fail(
                f"{what or self.asked} should answer with a JSON body, got {self.status} "
                f"({content_type or 'no Content-Type'}) with body {self.text[:300]!r}",
                pytrace=False,
            )
        assert content_type.startswith("application/json"), (
            f"{what or self.asked} should answer with Content-Type application/json, got {content_type!r}"
        )
        return parsed

    def expect(self, status: int, what: str | None = None) -> Any:
        """Check the status, then return the JSON body. `what` names the request in messages."""
        got = self.status
        assert got == status, f"{what or self.asked} should answer {status}, got {got} with body {self.text[:300]!r}"
        return self.json(what)

    def expect_error(self, status: int, what: str | None = None) -> None:
        """Check the status and that the body is JSON {"error": "<a non-empty message>"}."""
        body = self.expect(status, what)
        message = body.get("error") if isinstance(body, dict) else None
        assert isinstance(message, str) and message, (
            f'{what or self.asked} should answer {status} with JSON {{"error": "<message>"}}, got {body!r}'
        )


class Api:
    """The student's app behind WebTest in their process; every method returns a Reply."""

    def __init__(self, remote: Any) -> None:
        self.remote = remote

    def request(self, method: str, path: str, body: bytes | None = None, json_body: Any = None) -> Reply:
        asked = f"{method} {path}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
        try:
            answer = self.remote.request(method, path, body)
        except Exception as exc:
            pytest.fail(
                f"{asked}{' with body ' + repr(body[:200]) if body is not None else ''} made the app raise "
                f"{type(exc).__name__}: {str(exc)[:300]} (it should answer, not crash)",
                pytrace=False,
            )
        return reply_of(answer, asked)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, json_body: Any) -> Reply:
        return self.request("POST", path, json_body=json_body)

    def post_raw(self, path: str, body: bytes) -> Reply:
        return self.request("POST", path, body=body)

    def delete(self, path: str) -> Reply:
        return self.request("DELETE", path)

    def add(self, url: str, title: str, tags: list[str] | None = None) -> dict[str, Any]:
        """POST a valid bookmark, expecting 201; returns it."""
        body: dict[str, Any] = {"url": url, "title": title}
        if tags is not None:
            body["tags"] = tags
        created = self.post("/bookmarks", body).expect(201, f"POST /bookmarks {json.dumps(body)}")
        assert isinstance(created, dict), f"POST /bookmarks should answer with the new bookmark, got {created!r}"
        return created


def reply_of(data: object, asked: str) -> Reply:
    """A Reply from what the helper sent; a readable failure when it is not the expected shape."""
    if not isinstance(data, dict):
        pytest.fail(f"{asked}: WebTest in your code's process gave no answer", pytrace=False)
    status, pairs, body = data.get("status"), data.get("headers"), data.get("body")
    if type(status) is not int or not isinstance(pairs, list) or not isinstance(body, bytes):
        pytest.fail(f"{asked}: WebTest in your code's process gave a malformed answer", pytrace=False)
    headers: dict[str, str] = {}
    for pair in pairs:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair):
            headers[pair[0].lower()] = pair[1]
    return Reply(asked, status, headers, body)


MakeApi = Callable[[], Api]


@pytest.fixture
def make_api(student: ModuleType, student_helper: Callable[..., Any]) -> MakeApi:
    """Makes a new `student.make_app()` behind WebTest (in the student's process)."""
    helper = student_helper(WEBTEST, "webtest_api")

    def make() -> Api:
        try:
            app = student.make_app()
        except Exception as exc:
            pytest.fail(f"make_app() raised {type(exc).__name__}: {exc}", pytrace=False)
        kind = helper.describe(app)
        if not (isinstance(kind, dict) and kind.get("callable") is True):
            got = kind.get("type") if isinstance(kind, dict) else None
            pytest.fail(
                f"make_app() should return a WSGI application (a callable), got {got if isinstance(got, str) else 'something else'}",
                pytrace=False,
            )
        return Api(helper.Api(app))

    return make


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """The student's app, new and empty."""
    return make_api()

