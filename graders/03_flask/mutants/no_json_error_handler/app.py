"""A JSON REST API for todos, in Flask, with an app factory and an in-memory store.

Every app made by `create_app()` has its own store: nothing is shared between two apps.
Errors are JSON too: `{"error": "..."}`, plus `"field"` when the request's data was refused.
"""

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

PRIORITIES = ("low", "normal", "high")
DEFAULTS: dict[str, Any] = {"done": False, "priority": "normal"}


class InvalidField(Exception):
    """The request's data was refused: a 400 answer naming `field` (None: the body as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TodoNotFound(HTTPException):
    """404 for a todo id that does not exist."""

    code = 404

    def __init__(self, todo_id: int) -> None:
        super().__init__(description=f"todo {todo_id} not found")


class TodoStore:
    """Todos in a dict by id; ids start at 1 and are never reused."""

    def __init__(self) -> None:
        self.todos: dict[int, dict[str, Any]] = {}
        self.last_id = 0

    def add(self, fields: dict[str, Any]) -> dict[str, Any]:
        self.last_id += 1
        todo = {"id": self.last_id, **fields}
        self.todos[self.last_id] = todo
        return todo

    def get(self, todo_id: int) -> dict[str, Any]:
        """The todo with this id; a JSON 404 answer when there is none."""
        todo = self.todos.get(todo_id)
        if todo is None:
            raise TodoNotFound(todo_id)
        return todo


def _is_text(value: object) -> bool:
    """A string with at least one non-whitespace character."""
    return isinstance(value, str) and value.strip() != ""


def json_body() -> dict[str, Any]:
    """The request's JSON object; InvalidField when the body is not one (bad JSON, a list, a form)."""
    body = request.get_json()
    if not isinstance(body, dict):
        raise InvalidField("the body must be a JSON object")
    return body


def check_fields(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    """The todo fields of `body`, checked; other keys (such as "id") are ignored.

    With `partial` (PATCH) only the fields present are returned; otherwise (POST, PUT) the title
    is required and a missing `done` or `priority` takes its default.
    """
    fields: dict[str, Any] = {} if partial else dict(DEFAULTS)
    if "title" in body or not partial:
        if not _is_text(body.get("title")):
            raise InvalidField("title must be a non-blank string", "title")
        fields["title"] = body["title"]
    if "done" in body:
        if not isinstance(body["done"], bool):
            raise InvalidField("done must be true or false", "done")
        fields["done"] = body["done"]
    if "priority" in body:
        if body["priority"] not in PRIORITIES:
            raise InvalidField(f"priority must be one of {', '.join(PRIORITIES)}", "priority")
        fields["priority"] = body["priority"]
    return fields


def list_filters() -> dict[str, Any]:
    """The `done` and `priority` filters of the query string, checked."""
    filters: dict[str, Any] = {}
    done = request.args.get("done")
    if done is not None:
        if done not in ("true", "false"):
            raise InvalidField("done must be 'true' or 'false'", "done")
        filters["done"] = done == "true"
    priority = request.args.get("priority")
    if priority is not None:
        if priority not in PRIORITIES:
            raise InvalidField(f"priority must be one of {', '.join(PRIORITIES)}", "priority")
        filters["priority"] = priority
    return filters


def create_app() -> Flask:
    """A new app with its own, empty store."""
    app = Flask(__name__)
    store = TodoStore()

    @app.get("/todos")
    def list_todos() -> Response:
        filters = list_filters()
        todos = [todo for todo in store.todos.values() if all(todo[name] == wanted for name, wanted in filters.items())]
        return jsonify(todos)

    @app.post("/todos")
    def create_todo() -> tuple[Response, int, dict[str, str]]:
        todo = store.add(check_fields(json_body(), partial=False))
        return jsonify(todo), 201, {"Location": f"/todos/{todo['id']}"}

    @app.get("/todos/<int:todo_id>")
    def get_todo(todo_id: int) -> Response:
        return jsonify(store.get(todo_id))

    @app.put("/todos/<int:todo_id>")
    def replace_todo(todo_id: int) -> Response:
        todo = store.get(todo_id)
        todo.update(check_fields(json_body(), partial=False))
        return jsonify(todo)

    @app.patch("/todos/<int:todo_id>")
    def update_todo(todo_id: int) -> Response:
        todo = store.get(todo_id)
        todo.update(check_fields(json_body(), partial=True))
        return jsonify(todo)

    @app.delete("/todos/<int:todo_id>")
    def delete_todo(todo_id: int) -> tuple[str, int]:
        store.get(todo_id)
        del store.todos[todo_id]
        return "", 204

    @app.errorhandler(InvalidField)
    def invalid_field(exc: InvalidField) -> tuple[Response, int]:
        return jsonify(error=exc.message, field=exc.field), 400

    @app.errorhandler(TodoNotFound)
    def todo_not_found(exc: TodoNotFound) -> tuple[Response, int]:
        return jsonify(error=exc.description), 404

    return app
