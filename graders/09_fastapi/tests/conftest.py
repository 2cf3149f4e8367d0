"""Fixtures for the 09_fastapi hidden suite.

The `student` fixture (the imported submission) comes from the grader; nothing here imports it,
so a submission that fails to import fails each test, not the collection.

The module and its `app` are shared by every test, so each test gets a fresh `Store` through
`app.dependency_overrides[get_store]`, and the overrides are cleared afterwards.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # Starlette warns on import that it now prefers httpx2 to httpx
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient


def pytest_configure(config: pytest.Config) -> None:
    """Cheap tracebacks: a failure deep inside the framework has a long one, and pytest's default
    report re-reads the source of every frame (about half a second per failed test). The grader's
    message comes from the exception itself, so a native traceback loses nothing."""
    config.option.tbstyle = "native"


@pytest.fixture
def app(student: ModuleType) -> Iterator[FastAPI]:
    """The student's module-level `app`; dependency overrides are cleared after the test."""
    made = getattr(student, "app", None)
    assert isinstance(made, FastAPI), f"api.py should define `app = FastAPI(...)`, got {type(made).__name__}"
    made.dependency_overrides.clear()
    try:
        yield made
    finally:
        made.dependency_overrides.clear()


@pytest.fixture
def store(student: ModuleType, app: FastAPI) -> Any:
    """A fresh, empty `Store()` that every route gets from the overridden `get_store`."""
    fresh = student.Store()
    app.dependency_overrides[student.get_store] = lambda: fresh
    return fresh


@pytest.fixture
def client(app: FastAPI, store: Any) -> TestClient:
    """A test client on the app with a fresh store; a server-side exception fails the test."""
    return TestClient(app)


@pytest.fixture
def key(student: ModuleType) -> dict[str, str]:
    """The headers that carry the right API key: whatever `get_api_key()` answers."""
    return {"X-API-Key": student.get_api_key()}
