"""Hidden suite for 03_flask: a JSON REST API for todos, through Flask's test client.

Every test gets the submission through the `student` fixture (never imported here), and a
fresh app and test client through the `app` / `client` fixtures in conftest.py.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

AddTodo = Callable[..., dict[str, Any]]


def json_of(response: TestResponse, what: str, status: int) -> Any:
    """The JSON body of `response`, failing readably unless the status and the Content-Type match."""
    text = response.get_data(as_text=True)
    if response.status_code != status:
        pytest.fail(f"{what} should answer {status}, got {response.status_code} {text[:300]!r}", pytrace=False)
    if response.mimetype != "application/json":
        pytest.fail(
            f"{what} should answer with a JSON body (Content-Type: application/json), "
            f"got {response.content_type!r} {text[:200]!r}",
            pytrace=False,
        )
    return response.get_json()


def assert_error(response: TestResponse, what: str, status: int) -> dict[str, Any]:
    """Check a JSON error answer: that status, and a body {"error": "<text>", ...}; return the body."""
    body = json_of(response, what, status)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f"{what} should answer with a JSON object holding a non-empty 'error' text, got {body!r}"
    )
    return body


def assert_field_error(response: TestResponse, what: str, field: str) -> None:
    """Check a 400 validation answer that names `field`."""
    body = assert_error(response, what, 400)
    assert body.get("field") == field, f'{what} should answer 400 with "field": {field!r}, got {body!r}'


def todo(todo_id: int, title: str, done: bool = False, priority: str = "normal") -> dict[str, Any]:
    """A todo as the API shows it."""
    return {"id": todo_id, "title": title, "done": done, "priority": priority}


def listed(client: FlaskClient, query: str = "") -> Any:
    """GET /todos (with a query string) and return its JSON list."""
    return json_of(client.get(f"/todos{query}"), f"GET /todos{query}", 200)


# --- the app factory -----------------------------------------------------------------------


@pytest.mark.points(1, hint="create_app() returns a new Flask app; GET /todos on a new app is 200 with [].")
def test_create_app_starts_empty(client: FlaskClient) -> None:
    got = listed(client)
    assert got == [], f"GET /todos on a new app should be [], got {got!r}"


@pytest.mark.points(2, hint="Make the store inside create_app(), not at module level: each app has its own todos and ids.")
def test_each_app_has_its_own_store(student: ModuleType) -> None:
    first, second = student.create_app().test_client(), student.create_app().test_client()
    response = first.post("/todos", json={"title": "Only in the first app"})
    json_of(response, "POST /todos on the first app", 201)
    got = listed(second)
    assert got == [], f"a second app should not see the first app's todos: its GET /todos should be [], got {got!r}"
    created = json_of(second.post("/todos", json={"title": "Second"}), "POST /todos on the second app", 201)
    assert created.get("id") == 1, f"ids start at 1 in every app: the second app's first todo should have id 1, got {created!r}"


# --- POST /todos ---------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Answer 201 with the new todo as JSON and a Location header /todos/<id>; done defaults to false, priority to 'normal'.",
)
def test_create_answers_201_with_location(client: FlaskClient) -> None:
    response = client.post("/todos", json={"title": "Buy milk"})
    got = json_of(response, "POST /todos {'title': 'Buy milk'}", 201)
    assert got == todo(1, "Buy milk"), f"the created todo should be {todo(1, 'Buy milk')!r}, got {got!r}"
    location = response.headers.get("Location", "")
    assert location.endswith("/todos/1"), f"the Location header should point to /todos/1, got {location!r}"


@pytest.mark.points(1, hint="Keep done and priority from the body when they are given.")
def test_create_with_every_field(client: FlaskClient) -> None:
    body = {"title": "File taxes", "done": True, "priority": "high"}
    got = json_of(client.post("/todos", json=body), f"POST /todos {body!r}", 201)
    assert got == todo(1, "File taxes", True, "high"), (
        f"the created todo should be {todo(1, 'File taxes', True, 'high')!r}, got {got!r}"
    )


@pytest.mark.points(1, hint="The server picks the id; keep only title, done and priority from the body and ignore other keys.")
def test_create_ignores_a_client_id_and_other_keys(client: FlaskClient, add_todo: AddTodo) -> None:
    got = add_todo(title="Sneaky", id=99, owner="mallory")
    assert got == todo(1, "Sneaky"), f"POST with 'id': 99 and 'owner' should still create {todo(1, 'Sneaky')!r}, got {got!r}"
    second = add_todo(title="Next")
    assert second["id"] == 2, f"the next todo should get id 2, got {second!r}"


@pytest.mark.points(2, hint='A missing or non-string title is a 400 with {"error": ..., "field": "title"}; nothing is stored.')
def test_create_requires_a_title(client: FlaskClient) -> None:
    for body in ({"done": True}, {"title": 42}, {"title": None}):
        assert_field_error(client.post("/todos", json=body), f"POST /todos {body!r}", "title")
    got = listed(client)
    assert got == [], f"refused todos should not be stored: GET /todos should be [], got {got!r}"


@pytest.mark.points(1, hint="Blank means whitespace only too: check title.strip().")
def test_create_rejects_a_blank_title(client: FlaskClient) -> None:
    for title in ("", "   ", "\t\n"):
        assert_field_error(client.post("/todos", json={"title": title}), f"POST /todos with title {title!r}", "title")


@pytest.mark.points(2, hint='done must be a JSON boolean (1 and "yes" are not); priority one of low, normal, high.')
def test_create_checks_done_and_priority(client: FlaskClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": "T", "done": "yes"}, "done"),
        ({"title": "T", "done": 1}, "done"),
        ({"title": "T", "done": None}, "done"),
        ({"title": "T", "priority": "urgent"}, "priority"),
        ({"title": "T", "priority": "HIGH"}, "priority"),
    ]
    for body, field in cases:
        assert_field_error(client.post("/todos", json=body), f"POST /todos {body!r}", field)
    got = listed(client)
    assert got == [], f"refused todos should not be stored: GET /todos should be [], got {got!r}"


@pytest.mark.points(
    1, hint="request.get_json(silent=True): a body that is not a JSON object (bad JSON, a list, a form) is a JSON 400."
)
def test_create_rejects_a_body_that_is_not_an_object(client: FlaskClient) -> None:
    assert_error(client.post("/todos", data="{not json", content_type="application/json"), "POST /todos with malformed JSON", 400)
    assert_error(client.post("/todos", json=["Buy milk"]), "POST /todos with a JSON list", 400)
    assert_error(client.post("/todos", data={"title": "Buy milk"}), "POST /todos with a form body", 400)


# --- GET /todos/<id> -----------------------------------------------------------------------


@pytest.mark.points(1, hint="GET /todos/<int:todo_id> answers 200 with that todo.")
def test_get_one(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="First")
    add_todo(title="Second", priority="low")
    got = json_of(client.get("/todos/2"), "GET /todos/2", 200)
    assert got == todo(2, "Second", priority="low"), f"GET /todos/2 should be {todo(2, 'Second', priority='low')!r}, got {got!r}"


@pytest.mark.points(2, hint='An unknown id is 404 with a JSON body {"error": ...}, not Flask\'s HTML page.')
def test_get_unknown_is_a_json_404(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="First")
    assert_error(client.get("/todos/42"), "GET /todos/42", 404)


# --- GET /todos and its filters ------------------------------------------------------------


@pytest.mark.points(1, hint="GET /todos lists every todo, ordered by id.")
def test_list_in_id_order(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="Zebra food")
    add_todo(title="Apples", done=True)
    add_todo(title="Mail", priority="high")
    got = listed(client)
    expected = [todo(1, "Zebra food"), todo(2, "Apples", True), todo(3, "Mail", priority="high")]
    assert got == expected, f"GET /todos should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="?done=true / ?done=false: compare with the text; bool('false') is True in Python.")
def test_list_filters_by_done(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A", done=True)
    add_todo(title="B")
    add_todo(title="C", done=True)
    got = [item.get("id") for item in listed(client, "?done=true")]
    assert got == [1, 3], f"GET /todos?done=true should list ids [1, 3], got {got!r}"
    got = [item.get("id") for item in listed(client, "?done=false")]
    assert got == [2], f"GET /todos?done=false should list ids [2], got {got!r}"


@pytest.mark.points(1, hint="?priority=high keeps that priority; both filters together keep todos matching both.")
def test_list_filters_by_priority_and_both(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A", priority="high")
    add_todo(title="B", priority="high", done=True)
    add_todo(title="C", priority="low", done=True)
    got = [item.get("id") for item in listed(client, "?priority=high")]
    assert got == [1, 2], f"GET /todos?priority=high should list ids [1, 2], got {got!r}"
    got = [item.get("id") for item in listed(client, "?priority=high&done=true")]
    assert got == [2], f"GET /todos?priority=high&done=true should list ids [2], got {got!r}"
    got = listed(client, "?priority=normal")
    assert got == [], f"GET /todos?priority=normal should be [], got {got!r}"


@pytest.mark.points(1, hint="A filter value that is not allowed is a 400 naming the filter: done must be 'true' or 'false'.")
def test_list_rejects_bad_filter_values(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A")
    assert_field_error(client.get("/todos?done=yes"), "GET /todos?done=yes", "done")
    assert_field_error(client.get("/todos?priority=urgent"), "GET /todos?priority=urgent", "priority")


# --- PUT and PATCH -------------------------------------------------------------------------


@pytest.mark.points(
    2, hint="PUT replaces the whole todo: fields left out go back to their defaults (done false, priority 'normal')."
)
def test_put_replaces_the_todo(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="Old title", done=True, priority="high")
    got = json_of(client.put("/todos/1", json={"title": "New title"}), "PUT /todos/1 {'title': 'New title'}", 200)
    assert got == todo(1, "New title"), f"PUT /todos/1 should answer {todo(1, 'New title')!r}, got {got!r}"
    stored = json_of(client.get("/todos/1"), "GET /todos/1 after the PUT", 200)
    assert stored == todo(1, "New title"), f"after the PUT, GET /todos/1 should be {todo(1, 'New title')!r}, got {stored!r}"


@pytest.mark.points(1, hint="PUT checks its body like POST; a refused PUT changes nothing.")
def test_put_checks_its_body(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="Keep me", priority="low")
    assert_field_error(client.put("/todos/1", json={"done": True}), "PUT /todos/1 without a title", "title")
    assert_field_error(
        client.put("/todos/1", json={"title": "X", "priority": "urgent"}), "PUT /todos/1 with priority 'urgent'", "priority"
    )
    stored = json_of(client.get("/todos/1"), "GET /todos/1 after refused PUTs", 200)
    assert stored == todo(1, "Keep me", priority="low"), (
        f"a refused PUT should change nothing: expected {todo(1, 'Keep me', priority='low')!r}, got {stored!r}"
    )


@pytest.mark.points(2, hint="PATCH changes only the fields in the body and keeps the others; {} changes nothing.")
def test_patch_changes_only_the_given_fields(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="Write report", priority="high")
    got = json_of(client.patch("/todos/1", json={"done": True}), "PATCH /todos/1 {'done': True}", 200)
    expected = todo(1, "Write report", True, "high")
    assert got == expected, f"PATCH /todos/1 {{'done': True}} should answer {expected!r}, got {got!r}"
    got = json_of(client.patch("/todos/1", json={"title": "Write the report"}), "PATCH /todos/1 {'title': ...}", 200)
    expected = todo(1, "Write the report", True, "high")
    assert got == expected, f"PATCH /todos/1 {{'title': 'Write the report'}} should answer {expected!r}, got {got!r}"
    got = json_of(client.patch("/todos/1", json={}), "PATCH /todos/1 {}", 200)
    assert got == expected, f"PATCH /todos/1 {{}} should change nothing and answer {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="PATCH checks the fields it gets, with the same rules as POST; a refused PATCH changes nothing.")
def test_patch_checks_the_given_fields(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="Stay as I am")
    for body, field in [({"priority": "urgent"}, "priority"), ({"title": "   "}, "title"), ({"done": "true"}, "done")]:
        assert_field_error(client.patch("/todos/1", json=body), f"PATCH /todos/1 {body!r}", field)
    stored = json_of(client.get("/todos/1"), "GET /todos/1 after refused PATCHes", 200)
    assert stored == todo(1, "Stay as I am"), (
        f"a refused PATCH should change nothing: expected {todo(1, 'Stay as I am')!r}, got {stored!r}"
    )


@pytest.mark.points(1, hint="PUT and PATCH of an unknown id are a JSON 404.")
def test_update_unknown_is_a_json_404(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="First")
    assert_error(client.put("/todos/42", json={"title": "X"}), "PUT /todos/42", 404)
    assert_error(client.patch("/todos/42", json={"done": True}), "PATCH /todos/42", 404)


# --- DELETE --------------------------------------------------------------------------------


@pytest.mark.points(2, hint="DELETE answers 204 No Content with an empty body; the todo is gone afterwards.")
def test_delete_answers_204_and_removes(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A")
    add_todo(title="B")
    response = client.delete("/todos/1")
    assert response.status_code == 204, (
        f"DELETE /todos/1 should answer 204, got {response.status_code} {response.get_data(as_text=True)[:200]!r}"
    )
    assert response.get_data() == b"", f"a 204 answer has no body, got {response.get_data()[:200]!r}"
    assert_error(client.get("/todos/1"), "GET /todos/1 after deleting it", 404)
    got = listed(client)
    assert got == [todo(2, "B")], f"after DELETE /todos/1, GET /todos should be {[todo(2, 'B')]!r}, got {got!r}"


@pytest.mark.points(1, hint="DELETE of an unknown (or already deleted) id is a JSON 404.")
def test_delete_unknown_is_a_json_404(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A")
    assert_error(client.delete("/todos/42"), "DELETE /todos/42", 404)
    client.delete("/todos/1")
    assert_error(client.delete("/todos/1"), "DELETE /todos/1 a second time", 404)


@pytest.mark.points(1, hint="Keep a counter for ids: after a delete, the next todo gets a new id, never a used one.")
def test_ids_are_never_reused(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A")
    add_todo(title="B")
    client.delete("/todos/2")
    got = add_todo(title="C")
    assert got["id"] == 3, f"after creating ids 1 and 2 and deleting 2, the next todo should get id 3, got {got!r}"


# --- errors as JSON ------------------------------------------------------------------------


@pytest.mark.points(2, hint="A JSON handler for HTTPException: start from exc.get_response() so the 405's Allow header stays.")
def test_wrong_method_is_a_json_405_with_allow(client: FlaskClient, add_todo: AddTodo) -> None:
    add_todo(title="A")
    for method, path, allowed in [("DELETE", "/todos", {"GET", "POST"}), ("POST", "/todos/1", {"GET", "PUT", "PATCH", "DELETE"})]:
        response = client.open(path, method=method)
        assert_error(response, f"{method} {path}", 405)
        allow = {name.strip() for name in response.headers.get("Allow", "").split(",") if name.strip()}
        assert allowed <= allow, (
            f"the 405 answer to {method} {path} should have an Allow header with {sorted(allowed)}, got {sorted(allow)}"
        )


@pytest.mark.points(1, hint="Unknown URLs get a JSON 404 too: register the handler for HTTPException (or 404) on the app.")
def test_unknown_url_is_a_json_404(client: FlaskClient) -> None:
    assert_error(client.get("/nothing-here"), "GET /nothing-here", 404)
    assert_error(client.get("/todos/not-a-number"), "GET /todos/not-a-number", 404)
