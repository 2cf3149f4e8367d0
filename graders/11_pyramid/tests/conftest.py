"""Fixtures for the 11_pyramid hidden suite: the student's WSGI app behind WebTest.

`api` wraps `webtest.TestApp(student.make_app())` so that every request returns a `Reply`,
whatever its status, and an exception escaping the app (a view that crashed) fails the test
with one readable line instead of a traceback through WebTest. The `student` fixture (the
imported submission) comes from the grader; nothing here imports it.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
import webtest


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
    """The student's app behind WebTest; every method returns a Reply."""

    def __init__(self, app: webtest.TestApp) -> None:
        self.app = app

    def request(self, method: str, path: str, body: bytes | None = None, json_body: Any = None) -> Reply:
        asked = f"{method} {path}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
        kwargs: dict[str, Any] = {"method": method, "expect_errors": True}
        if body is not None:
            kwargs["body"] = body
            kwargs["content_type"] = "application/json"
        try:
            response = self.app.request(path, **kwargs)
        except Exception as exc:
            pytest.fail(
                f"{asked}{' with body ' + repr(body[:200]) if body is not None else ''} made the app raise "
                f"{type(exc).__name__}: {str(exc)[:300]} (it should answer, not crash)",
                pytrace=False,
            )
        headers = {name.lower(): value for name, value in response.headerlist}
        return Reply(asked, response.status_int, headers, response.body)

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


def make_api(student: ModuleType) -> Api:
    """A new `student.make_app()` behind WebTest."""
    try:
        app = student.make_app()
    except Exception as exc:
        pytest.fail(f"make_app() raised {type(exc).__name__}: {exc}", pytrace=False)
    assert callable(app), f"make_app() should return a WSGI application (a callable), got {type(app).__name__}"
    return Api(webtest.TestApp(app))


@pytest.fixture
def api(student: ModuleType) -> Api:
    """The student's app, new and empty."""
    return make_api(student)
