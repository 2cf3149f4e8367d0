"""Fixtures for the 09_fastapi hidden suite, across the process boundary.

The hidden tests run in the grader's process; the student's `api.py` runs in another one. What
cannot cross (the app, a store, a test client, a dependency override) is made on the student's
side by the `API` helper below, whose functions take and return plain data only. The grader keeps
every expected value: the helper only builds the app's TestClient and relays requests and answers
(status, headers, body bytes), so a student who edits it can make it lie but never learn anything.

The `student` fixture (the remote module) comes from the grader; a submission that fails to import
fails each test, not the collection. Each test gets a fresh `Store` through
`app.dependency_overrides[get_store]`, and the overrides are cleared afterwards.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

#: Runs in the student's process (the `student_helper` fixture) beside their `api.py`. It holds
#: nothing secret and no expected value: a student can read it and make it answer anything.
API = """
import warnings

from fastapi import FastAPI

with warnings.catch_warnings():  # Starlette warns on import that it now prefers httpx2 to httpx
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

state = {}

def start(student):
    app = getattr(student, "app", None)
    if not isinstance(app, FastAPI):
        return type(app).__name__
    app.dependency_overrides.clear()
    state.update(student=student, app=app, stores={}, clients={})
    return None

def finish():
    if "app" in state:
        state["app"].dependency_overrides.clear()
    state.clear()

def new_store(name):
    state["stores"][name] = state["student"].Store()

def use_store(name):
    overrides = state["app"].dependency_overrides
    if name is None:
        overrides.pop(state["student"].get_store, None)
        return
    store = state["stores"][name]
    overrides[state["student"].get_store] = lambda: store

def use_api_key(value):
    state["app"].dependency_overrides[state["student"].get_api_key] = lambda: value

def openapi():
    return state["app"].openapi()

def request(method, path, raise_server_exceptions=True, **options):
    clients = state["clients"]
    if raise_server_exceptions not in clients:
        clients[raise_server_exceptions] = TestClient(state["app"], raise_server_exceptions=raise_server_exceptions)
    response = clients[raise_server_exceptions].request(method, path, **options)
    return {"status": response.status_code, "headers": dict(response.headers), "body": response.content}
"""


def pytest_configure(config: pytest.Config) -> None:
    """Cheap tracebacks: a failure deep inside the framework has a long one, and pytest's default
    report re-reads the source of every frame (about half a second per failed test). The grader's
    message comes from the exception itself, so a native traceback loses nothing."""
    config.option.tbstyle = "native"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer of the student's app, as plain data."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.content)


class Client:
    """Sends requests to the student's app through the helper (its TestClient), in the student's process."""

    def __init__(self, api: Any, raise_server_exceptions: bool = True) -> None:
        self.api = api
        self.raise_server_exceptions = raise_server_exceptions

    def request(self, method: str, path: str, **options: Any) -> Answer:
        options = {name: value for name, value in options.items() if value is not None}
        got = self.api.request(method, path, raise_server_exceptions=self.raise_server_exceptions, **options)
        status = got.get("status") if type(got) is dict else None
        headers = got.get("headers") if type(got) is dict else None
        body = got.get("body") if type(got) is dict else None
        if type(status) is not int or type(headers) is not dict or type(body) is not bytes:
            pytest.fail(f"{method} {path}: the answer of your app could not be read", pytrace=False)
        return Answer(status, {str(name): str(value) for name, value in headers.items()}, body)

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, Any] | None = None) -> Answer:
        return self.request("GET", path, params=params, headers=headers)

    def post(self, path: str, json: Any = None, headers: dict[str, Any] | None = None) -> Answer:
        return self.request("POST", path, json=json, headers=headers)

    def patch(self, path: str, json: Any = None, headers: dict[str, Any] | None = None) -> Answer:
        return self.request("PATCH", path, json=json, headers=headers)

    def delete(self, path: str, headers: dict[str, Any] | None = None) -> Answer:
        return self.request("DELETE", path, headers=headers)


@pytest.fixture
def api(student: ModuleType, student_helper: Callable[..., Any]) -> Iterator[Any]:
    """The helper beside the student's module-level `app`; dependency overrides are cleared after the test."""
    helper = student_helper(API, "fastapi_api")
    made = helper.start(student)
    assert made is None, f"api.py should define `app = FastAPI(...)`, got {made if type(made) is str else 'something else'}"
    try:
        yield helper
    finally:
        helper.finish()


@pytest.fixture
def store(api: Any) -> None:
    """A fresh, empty `Store()` that every route gets from the overridden `get_store`."""
    api.new_store("fresh")
    api.use_store("fresh")


@pytest.fixture
def client(api: Any, store: None) -> Client:
    """A client on the app with a fresh store; a server-side exception fails the test."""
    return Client(api)


@pytest.fixture
def key(student: ModuleType) -> dict[str, str]:
    """The headers that carry the right API key: whatever `get_api_key()` answers."""
    got = student.get_api_key()
    assert type(got) is str, "get_api_key() should return the key as a str"
    return {"X-API-Key": got}


@pytest.fixture
def lenient_client(api: Any, store: None) -> Client:
    """A client on the app with a fresh store; a crash in a route is a 500 answer, as in production."""
    return Client(api, raise_server_exceptions=False)
