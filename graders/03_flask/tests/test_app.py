"""Hidden suite for 03_flask: a JSON REST API for todos, through Flask's test client.

Graded across the process boundary: the student's app lives in their process, and each test
gets a fresh app behind Flask's test client through the `client` / `new_client` fixtures
(conftest.py), whose answers (status, headers, body) cross as plain data and are judged here.
Tests that are not about ids use the ids the API hands out, so that one mistake fails few tests.
"""

from typing import Any

import pytest
from conftest import Client, NewClient, Reply


def json_of(response: Reply, what: str, status: int) -> Any:
    """The JSON body of `response`, failing readably unless the status and the Content-Type match."""
    text = response.text
    if response.status_code != status:
        pytest.fail(f"{what} should answer {status}, got {response.status_code} {text[:300]!r}", pytrace=False)
    if response.mimetype != "application/json":
        pytest.fail(
            f"{what} should answer with a JSON body (Content-Type: application/json), "
            f"got {response.content_type!r} {text[:200]!r}",
            pytrace=False,
        )
    return response.json()


def assert_error(response: Reply, what: str, status: int) -> dict[str, Any]:
    """Check a JSON error answer: that status, and a body {"error": "<text>", ...}; return the body."""
    body = json_of(response, what, status)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f"{what} should answer with a JSON object holding a non-empty 'error' text, got {body!r}"
    )
    return body


def assert_field_error(response: Reply, what: str, field: str) -> None:
    """Check a 400 validation answer that names `field`."""
    body = assert_error(response, what, 400)
    assert body.get("field") == field, f'{what} should answer 400 with "field": {field!r}, got {body!r}'


def add(client: Client, **fields: Any) -> dict[str, Any]:
    """POST /todos with these fields and return the created todo (a 201 is checked elsewhere)."""
    response = client.post("/todos", json=fields)
    body = response.json()
    if response.status_code not in (200, 201) or not isinstance(body, dict) or not isinstance(body.get("id"), int):
        pytest.fail(
            f"POST /todos {fields!r} should answer 201 with the new todo (with an integer id) as JSON, "
            f"got {response.status_code} {response.text[:300]!r}",
            pytrace=False,
        )
    return body


def todo(todo_id: int, title: str, done: bool = False, priority: str = "normal") -> dict[str, Any]:
    """A todo as the API shows it."""
    return {"id": todo_id, "title": title, "done": done, "priority": priority}


def listed(client: Client, query: str = "") -> Any:
    """GET /todos (with a query string) and return its JSON list."""
    return json_of(client.get(f"/todos{query}"), f"GET /todos{query}", 200)


def fetched(client: Client, todo_id: int, when: str) -> Any:
    """GET /todos/<id> and return the todo."""
    return json_of(client.get(f"/todos/{todo_id}"), f"GET /todos/{todo_id} {when}", 200)


# --- the app factory -----------------------------------------------------------------------


@pytest.mark.points(1, hint="create_app() returns a new Flask app; GET /todos on a new app is 200 with [].")
def test_create_app_starts_empty(client: Client) -> None:
    got = listed(client)
    assert got == [], f"GET /todos on a new app should be [], got {got!r}"


@pytest.mark.points(2, hint="Make the store inside create_app(), not at module level: each app has its own todos and ids.")
def test_each_app_has_its_own_store(new_client: NewClient) -> None:
    first, second = new_client(), new_client()
    add(first, title="Only in the first app")
    got = listed(second)
    assert got == [], f"a second app should not see the first app's todos: its GET /todos should be [], got {got!r}"
    created = add(second, title="Second")
    assert created["id"] == 1, f"ids start at 1 in every app: the second app's first todo should have id 1, got {created!r}"


# --- POST /todos ---------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Answer 201 with the new todo as JSON and a Location header /todos/<id>; done defaults to false, priority to 'normal'.",
)
def test_create_answers_201_with_location(client: Client) -> None:
    response = client.post("/todos", json={"title": "Buy milk"})
    got = json_of(response, "POST /todos {'title': 'Buy milk'}", 201)
    assert got == todo(1, "Buy milk"), f"the first todo of an app should be {todo(1, 'Buy milk')!r}, got {got!r}"
    location = response.headers.get("location", "")
    assert location.endswith("/todos/1"), f"the Location header should point to /todos/1, got {location!r}"


@pytest.mark.points(1, hint="Keep done and priority from the body when they are given.")
def test_create_with_every_field(client: Client) -> None:
    got = add(client, title="File taxes", done=True, priority="high")
    expected = todo(got["id"], "File taxes", True, "high")
    assert got == expected, f"POST /todos with every field should create {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="The server picks the id; keep only title, done and priority from the body and ignore other keys.")
def test_create_ignores_a_client_id_and_other_keys(client: Client) -> None:
    first = add(client, title="First")
    got = add(client, title="Sneaky", id=99, owner="mallory")
    expected = todo(first["id"] + 1, "Sneaky")
    assert got == expected, f"POST with 'id': 99 and 'owner' should create the next todo {expected!r}, got {got!r}"


@pytest.mark.points(2, hint='A missing or non-string title is a 400 with {"error": ..., "field": "title"}; nothing is stored.')
def test_create_requires_a_title(client: Client) -> None:
    before = listed(client)
    for body in ({"done": True}, {"title": 42}, {"title": None}):
        assert_field_error(client.post("/todos", json=body), f"POST /todos {body!r}", "title")
    after = listed(client)
    assert after == before, f"refused todos should not be stored: GET /todos should stay {before!r}, got {after!r}"


@pytest.mark.points(1, hint="Blank means whitespace only too: check title.strip().")
def test_create_rejects_a_blank_title(client: Client) -> None:
    for title in ("", "   ", "\t\n"):
        assert_field_error(client.post("/todos", json={"title": title}), f"POST /todos with title {title!r}", "title")


@pytest.mark.points(2, hint='done must be a JSON boolean (1, "yes" and null are not); priority one of low, normal, high (null is not).')
def test_create_checks_done_and_priority(client: Client) -> None:
    before = listed(client)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": "T", "done": "yes"}, "done"),
        ({"title": "T", "done": 1}, "done"),
        ({"title": "T", "done": None}, "done"),
        ({"title": "T", "priority": "urgent"}, "priority"),
        ({"title": "T", "priority": "HIGH"}, "priority"),
        ({"title": "T", "priority": None}, "priority"),
    ]
    for body, field in cases:
        assert_field_error(client.post("/todos", json=body), f"POST /todos {body!r}", field)
    after = listed(client)
    assert after == before, f"refused todos should not be stored: GET /todos should stay {before!r}, got {after!r}"


@pytest.mark.points(
    1, hint="request.get_json(silent=True): a body that is not a JSON object (bad JSON, a list, a form) is a JSON 400."
)
def test_create_rejects_a_body_that_is_not_an_object(client: Client) -> None:
    assert_error(client.post("/todos", data="{not json", content_type="application/json"), "POST /todos with malformed JSON", 400)
    assert_error(client.post("/todos", json=["Buy milk"]), "POST /todos with a JSON list", 400)
    assert_error(client.post("/todos", data={"title": "Buy milk"}), "POST /todos with a form body", 400)
    assert_error(client.post("/todos"), "POST /todos with no body at all", 400)


@pytest.mark.points(1, hint='A 400 for a body that is not a JSON object names no field: leave "field" out, or set it to null.')
def test_a_body_that_is_not_an_object_names_no_field(client: Client) -> None:
    path = f"/todos/{add(client, title='A')['id']}"
    answers = [
        ("POST /todos with malformed JSON", client.post("/todos", data="{not json", content_type="application/json")),
        ("POST /todos with a JSON list", client.post("/todos", json=["Buy milk"])),
        (f"PUT {path} with no body at all", client.put(path)),
    ]
    for what, response in answers:
        body = assert_error(response, what, 400)
        assert body.get("field") is None, f'{what} should answer 400 with no "field" (left out, or null), got {body!r}'


# --- GET /todos/<id> -----------------------------------------------------------------------


@pytest.mark.points(1, hint="GET /todos/<int:todo_id> answers 200 with that todo.")
def test_get_one(client: Client) -> None:
    add(client, title="First")
    second = add(client, title="Second", priority="low")
    got = fetched(client, second["id"], "")
    expected = todo(second["id"], "Second", priority="low")
    assert got == expected, f"GET /todos/{second['id']} should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint='An unknown id is 404 with a JSON body {"error": ...}, not Flask\'s HTML page.')
def test_get_unknown_is_a_json_404(client: Client) -> None:
    add(client, title="First")
    assert_error(client.get("/todos/42"), "GET /todos/42", 404)


# --- GET /todos and its filters ------------------------------------------------------------


@pytest.mark.points(1, hint="GET /todos lists every todo, ordered by id.")
def test_list_in_id_order(client: Client) -> None:
    zebra = add(client, title="Zebra food")
    apples = add(client, title="Apples", done=True)
    mail = add(client, title="Mail", priority="high")
    got = listed(client)
    expected = [todo(zebra["id"], "Zebra food"), todo(apples["id"], "Apples", True), todo(mail["id"], "Mail", priority="high")]
    assert got == expected, f"GET /todos should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="?done=true / ?done=false: compare with the text; bool('false') is True in Python.")
def test_list_filters_by_done(client: Client) -> None:
    ids = [add(client, title="A", done=True)["id"], add(client, title="B")["id"], add(client, title="C", done=True)["id"]]
    got = [item.get("id") for item in listed(client, "?done=true")]
    assert got == [ids[0], ids[2]], f"GET /todos?done=true should list ids {[ids[0], ids[2]]}, got {got!r}"
    got = [item.get("id") for item in listed(client, "?done=false")]
    assert got == [ids[1]], f"GET /todos?done=false should list ids {[ids[1]]}, got {got!r}"


@pytest.mark.points(1, hint="?priority=high keeps that priority; both filters together keep todos matching both.")
def test_list_filters_by_priority_and_both(client: Client) -> None:
    ids = [
        add(client, title="A", priority="high")["id"],
        add(client, title="B", priority="high", done=True)["id"],
        add(client, title="C", priority="low", done=True)["id"],
    ]
    got = [item.get("id") for item in listed(client, "?priority=high")]
    assert got == ids[:2], f"GET /todos?priority=high should list ids {ids[:2]}, got {got!r}"
    got = [item.get("id") for item in listed(client, "?priority=high&done=true")]
    assert got == [ids[1]], f"GET /todos?priority=high&done=true should list ids {[ids[1]]}, got {got!r}"
    got = listed(client, "?priority=normal")
    assert got == [], f"GET /todos?priority=normal should be [], got {got!r}"


@pytest.mark.points(1, hint="A filter value that is not allowed is a 400 naming the filter: done must be exactly 'true' or 'false'.")
def test_list_rejects_bad_filter_values(client: Client) -> None:
    add(client, title="A")
    for value in ("yes", "1", "True"):
        assert_field_error(client.get(f"/todos?done={value}"), f"GET /todos?done={value}", "done")
    assert_field_error(client.get("/todos?priority=urgent"), "GET /todos?priority=urgent", "priority")


# --- PUT and PATCH -------------------------------------------------------------------------


@pytest.mark.points(
    2, hint="PUT replaces the whole todo: fields left out go back to their defaults (done false, priority 'normal')."
)
def test_put_replaces_the_todo(client: Client) -> None:
    todo_id = add(client, title="Old title", done=True, priority="high")["id"]
    expected = todo(todo_id, "New title")
    got = json_of(client.put(f"/todos/{todo_id}", json={"title": "New title"}), f"PUT /todos/{todo_id}", 200)
    assert got == expected, f"PUT /todos/{todo_id} {{'title': 'New title'}} should answer {expected!r}, got {got!r}"
    stored = fetched(client, todo_id, "after the PUT")
    assert stored == expected, f"after the PUT, GET /todos/{todo_id} should be {expected!r}, got {stored!r}"


@pytest.mark.points(1, hint="PUT checks its body like POST; a refused PUT changes nothing.")
def test_put_checks_its_body(client: Client) -> None:
    todo_id = add(client, title="Keep me", priority="low")["id"]
    path = f"/todos/{todo_id}"
    assert_field_error(client.put(path, json={"done": True}), f"PUT {path} without a title", "title")
    assert_field_error(
        client.put(path, json={"title": "X", "priority": "urgent"}), f"PUT {path} with priority 'urgent'", "priority"
    )
    stored, expected = fetched(client, todo_id, "after refused PUTs"), todo(todo_id, "Keep me", priority="low")
    assert stored == expected, f"a refused PUT should change nothing: expected {expected!r}, got {stored!r}"


@pytest.mark.points(2, hint="PATCH changes only the fields in the body and keeps the others; {} changes nothing.")
def test_patch_changes_only_the_given_fields(client: Client) -> None:
    todo_id = add(client, title="Write report", priority="high")["id"]
    path = f"/todos/{todo_id}"
    steps: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"done": True}, todo(todo_id, "Write report", True, "high")),
        ({"title": "Write the report"}, todo(todo_id, "Write the report", True, "high")),
        ({}, todo(todo_id, "Write the report", True, "high")),
    ]
    for body, expected in steps:
        got = json_of(client.patch(path, json=body), f"PATCH {path} {body!r}", 200)
        assert got == expected, f"PATCH {path} {body!r} should answer {expected!r}, got {got!r}"
    stored = fetched(client, todo_id, "after the PATCHes")
    assert stored == steps[-1][1], f"after the PATCHes, GET {path} should be {steps[-1][1]!r}, got {stored!r}"


@pytest.mark.points(1, hint="PATCH checks the fields it gets, with the same rules as POST; a refused PATCH changes nothing.")
def test_patch_checks_the_given_fields(client: Client) -> None:
    todo_id = add(client, title="Stay as I am")["id"]
    path = f"/todos/{todo_id}"
    for body, field in [({"priority": "urgent"}, "priority"), ({"title": "   "}, "title"), ({"done": "true"}, "done")]:
        assert_field_error(client.patch(path, json=body), f"PATCH {path} {body!r}", field)
    stored, expected = fetched(client, todo_id, "after refused PATCHes"), todo(todo_id, "Stay as I am")
    assert stored == expected, f"a refused PATCH should change nothing: expected {expected!r}, got {stored!r}"


@pytest.mark.points(1, hint="PUT and PATCH of an unknown id are a JSON 404.")
def test_update_unknown_is_a_json_404(client: Client) -> None:
    add(client, title="First")
    assert_error(client.put("/todos/42", json={"title": "X"}), "PUT /todos/42", 404)
    assert_error(client.patch("/todos/42", json={"done": True}), "PATCH /todos/42", 404)


@pytest.mark.points(1, hint="Look the todo up first: an unknown id is a 404 even when the body would be refused.")
def test_unknown_id_is_404_whatever_the_body(client: Client) -> None:
    add(client, title="First")
    assert_error(client.put("/todos/42", json={"done": "yes"}), "PUT /todos/42 with a body that would be refused", 404)
    assert_error(client.patch("/todos/42", json={"priority": "urgent"}), "PATCH /todos/42 with a body that would be refused", 404)


# --- DELETE --------------------------------------------------------------------------------


@pytest.mark.points(2, hint="DELETE answers 204 No Content with an empty body; the todo is gone afterwards.")
def test_delete_answers_204_and_removes(client: Client) -> None:
    gone, kept = add(client, title="A"), add(client, title="B")
    path = f"/todos/{gone['id']}"
    response = client.delete(path)
    text = response.text
    assert response.status_code == 204, f"DELETE {path} should answer 204, got {response.status_code} {text[:200]!r}"
    assert text == "", f"a 204 answer has no body, got {text[:200]!r}"
    assert_error(client.get(path), f"GET {path} after deleting it", 404)
    ids = [item.get("id") for item in listed(client)]
    assert gone["id"] not in ids and kept["id"] in ids, (
        f"after DELETE {path}, GET /todos should list id {kept['id']} but not {gone['id']}, got ids {ids}"
    )


@pytest.mark.points(1, hint="DELETE of an unknown (or already deleted) id is a JSON 404.")
def test_delete_unknown_is_a_json_404(client: Client) -> None:
    path = f"/todos/{add(client, title='A')['id']}"
    assert_error(client.delete("/todos/42"), "DELETE /todos/42", 404)
    client.delete(path)
    assert_error(client.delete(path), f"DELETE {path} a second time", 404)


@pytest.mark.points(1, hint="Keep a counter for ids: after a delete, the next todo gets a new id, never a used one.")
def test_ids_are_never_reused(client: Client) -> None:
    first, second = add(client, title="A"), add(client, title="B")
    client.delete(f"/todos/{second['id']}")
    got = add(client, title="C")
    used = [first["id"], second["id"]]
    assert got["id"] not in used, f"after creating ids {used} and deleting {second['id']}, the next id should be new, got {got!r}"


# --- errors as JSON ------------------------------------------------------------------------


@pytest.mark.points(2, hint="A JSON handler for HTTPException: start from exc.get_response() so the 405's Allow header stays.")
def test_wrong_method_is_a_json_405_with_allow(client: Client) -> None:
    item = f"/todos/{add(client, title='A')['id']}"
    for method, path, allowed in [("DELETE", "/todos", {"GET", "POST"}), ("POST", item, {"GET", "PUT", "PATCH", "DELETE"})]:
        response = client.open(path, method=method)
        assert_error(response, f"{method} {path}", 405)
        allow = {name.strip() for name in response.headers.get("allow", "").split(",") if name.strip()}
        assert allowed <= allow, (
            f"the 405 answer to {method} {path} should have an Allow header with {sorted(allowed)}, got {sorted(allow)}"
        )


@pytest.mark.points(1, hint="Unknown URLs get a JSON 404 too: register the handler for HTTPException (or 404) on the app.")
def test_unknown_url_is_a_json_404(client: Client) -> None:
    assert_error(client.get("/nothing-here"), "GET /nothing-here", 404)
    assert_error(client.get("/todos/not-a-number"), "GET /todos/not-a-number", 404)
