"""Fixtures for the 03_flask hidden suite, graded across the process boundary.

The `student` fixture (the submission, a remote module) comes from the grader. The student's
app cannot cross into this process, so it lives beside their code: `CLIENT` (run there through
the `student_helper` fixture) wraps `app.test_client()` and answers each request with plain data
(status, headers, body bytes). Everything the tests judge is decided here from that data.

Trust rule: `CLIENT` runs in the student's process and they could read or change it, so it holds
no expected value and decides nothing; it only reports what the app answered.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

#: Runs beside the student's code (the `student_helper` fixture). Nothing secret: a student could read it.
CLIENT = """
from flask import Flask

def describe(app):
    return {"flask": isinstance(app, Flask), "type": type(app).__name__}

class Client:
    def __init__(self, app):
        app.config.update(TESTING=True)
        self.client = app.test_client()

    def request(self, method, path, json=None, data=None, content_type=None):
        options = {}
        if json is not None:
            options["json"] = json
        if data is not None:
            options["data"] = data
        if content_type is not None:
            options["content_type"] = content_type
        response = self.client.open(path, method=method, **options)
        headers = [[str(name), str(value)] for name, value in response.headers.items()]
        return {"status": int(response.status_code), "headers": headers, "body": bytes(response.get_data())}
"""


@dataclass
class Reply:
    """One answer of the student's app, as plain data read here."""

    status_code: int
    headers: dict[str, str]  # names lower-cased; a repeated header's values joined with ", "
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def mimetype(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def reply_of(data: object, asked: str) -> Reply:
    """A Reply from what the helper sent; a readable failure when it is not the expected shape."""
    if not isinstance(data, dict):
        pytest.fail(f"{asked}: the test client in your code's process gave no answer", pytrace=False)
    status, pairs, body = data.get("status"), data.get("headers"), data.get("body")
    if type(status) is not int or not isinstance(pairs, list) or not isinstance(body, bytes):
        pytest.fail(f"{asked}: the test client in your code's process gave a malformed answer", pytrace=False)
    headers: dict[str, str] = {}
    for pair in pairs:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair):
            name = pair[0].lower()
            headers[name] = f"{headers[name]}, {pair[1]}" if name in headers else pair[1]
    return Reply(status, headers, body)


class Client:
    """The student's app behind Flask's test client in their process; every method returns a Reply."""

    def __init__(self, remote: Any) -> None:
        self.remote = remote

    def open(
        self, path: str, method: str = "GET", json: Any = None, data: Any = None, content_type: str | None = None
    ) -> Reply:
        asked = f"{method} {path}"
        try:
            answer = self.remote.request(method, path, json=json, data=data, content_type=content_type)
        except Exception as exc:
            pytest.fail(f"{asked} made your app raise {type(exc).__name__}: {str(exc)[:300]} (it should answer)", pytrace=False)
        return reply_of(answer, asked)

    def get(self, path: str) -> Reply:
        return self.open(path, "GET")

    def post(self, path: str, json: Any = None, data: Any = None, content_type: str | None = None) -> Reply:
        return self.open(path, "POST", json=json, data=data, content_type=content_type)

    def put(self, path: str, json: Any = None) -> Reply:
        return self.open(path, "PUT", json=json)

    def patch(self, path: str, json: Any = None) -> Reply:
        return self.open(path, "PATCH", json=json)

    def delete(self, path: str) -> Reply:
        return self.open(path, "DELETE")


NewClient = Callable[[], Client]


@pytest.fixture
def new_client(student: ModuleType, student_helper: Callable[..., Any]) -> NewClient:
    """Makes a fresh app from the student's `create_app()` (in testing mode) behind a test client."""
    helper = student_helper(CLIENT, "flask_client")

    def make() -> Client:
        made = student.create_app()
        kind = helper.describe(made)
        if not (isinstance(kind, dict) and kind.get("flask") is True):
            got = kind.get("type") if isinstance(kind, dict) else None
            pytest.fail(f"create_app() should return a Flask app, got {got if isinstance(got, str) else 'something else'}", pytrace=False)
        return Client(helper.Client(made))

    return make


@pytest.fixture
def client(new_client: NewClient) -> Client:
    """A test client for a new app: real requests through Flask, no network."""
    return new_client()
