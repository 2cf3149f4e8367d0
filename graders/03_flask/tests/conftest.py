"""Fixtures for the 03_flask hidden suite.

The `student` fixture (the imported submission) comes from the grader. Everything here is
built from it, so a submission that fails to import fails each test, not the collection.
"""

from types import ModuleType

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
