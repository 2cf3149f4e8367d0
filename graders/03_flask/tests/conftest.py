"""Fixtures for the 03_flask hidden suite.

The `student` fixture (the imported submission) comes from the grader. Everything here is
built from it, so a submission that fails to import fails each test, not the collection.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def app(student: ModuleType) -> Flask:
    """A fresh app from the student's `create_app()`, in testing mode."""
    made = student.create_app()
    assert isinstance(made, Flask), f"create_app() should return a Flask app, got {type(made).__name__}"
    made.config.update(TESTING=True)
    return made


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for that app: real requests through Flask, no network."""
    return app.test_client()


@pytest.fixture
def add_todo(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """POST /todos with these fields and return the created todo; fail readably unless 201."""

    def add(**fields: Any) -> dict[str, Any]:
        response = client.post("/todos", json=fields)
        body = response.get_json(silent=True)
        if response.status_code != 201 or not isinstance(body, dict):
            pytest.fail(
                f"POST /todos {fields!r} should answer 201 with the new todo as JSON, "
                f"got {response.status_code} {response.get_data(as_text=True)[:300]!r}",
                pytrace=False,
            )
        return body

    return add
