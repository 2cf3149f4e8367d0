"""Public tests for 03_flask. Run `pytest` in this exercise's folder.

They show the shape of the hidden suite, which checks much more (separate stores per app,
every validation rule, filters, PUT and PATCH, ids, JSON 404/405/400 answers).
They fail until app.py is written.
"""

import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find app.py next to tests/

import app


@pytest.fixture
def client() -> FlaskClient:
    flask_app = app.create_app()
    flask_app.config.update(TESTING=True)
    return flask_app.test_client()


def test_create_then_get(client: FlaskClient) -> None:
    response = client.post("/todos", json={"title": "Buy milk"})
    assert response.status_code == 201, f"POST /todos should answer 201, got {response.status_code}"
    expected = {"id": 1, "title": "Buy milk", "done": False, "priority": "normal"}
    assert response.get_json() == expected, f"the new todo should be {expected!r}, got {response.get_json()!r}"
    assert response.headers.get("Location", "").endswith("/todos/1"), "the Location header should point to /todos/1"
    got = client.get("/todos/1").get_json()
    assert got == expected, f"GET /todos/1 should be {expected!r}, got {got!r}"


def test_unknown_todo_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/todos/42")
    assert response.status_code == 404, f"GET /todos/42 should answer 404, got {response.status_code}"
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and body.get("error"), f"the 404 should have a JSON body with 'error', got {body!r}"


def test_blank_title_is_a_400_naming_the_field(client: FlaskClient) -> None:
    response = client.post("/todos", json={"title": "   "})
    assert response.status_code == 400, f"a blank title should answer 400, got {response.status_code}"
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and body.get("field") == "title", f"the 400 should name the field 'title', got {body!r}"
    assert client.get("/todos").get_json() == [], "a refused todo should not be stored"


def test_delete_answers_204(client: FlaskClient) -> None:
    client.post("/todos", json={"title": "Buy milk"})
    response = client.delete("/todos/1")
    assert response.status_code == 204, f"DELETE /todos/1 should answer 204, got {response.status_code}"
    assert response.get_data() == b"", "a 204 answer has an empty body"
    assert client.get("/todos/1").status_code == 404, "a deleted todo should be gone"
