"""Fixtures for the 08_django hidden suite, across the process boundary.

The hidden tests run in the grader's process; the student's `notes.py` (and Django with it) runs in
another one. What cannot cross (the model, a query set, the test client, a database connection) is
used on the student's side by the `NOTES` helper below, whose functions take and return plain data
only: it relays requests through Django's test client (status, headers, body bytes) and answers
plain questions about the `Note` table. Every expected value stays in the grader: a student who
edits the helper can make it lie but never learn anything.

The `student` fixture (the remote module) comes from the grader; a submission that fails to import
fails each test, not the collection. Django's state is global in the student's process: the module
is imported once, and its settings, its in-memory database and its `Note` table are shared by every
test. So the table is created on first use and emptied before each test; tests never assume id
values, they use the ids the API hands out.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

#: Runs in the student's process (the `student_helper` fixture) beside their `notes.py`. It holds
#: nothing secret and no expected value: a student can read it and make it answer anything.
NOTES = """
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.test import Client

state = {}

def start(student):
    model = getattr(student, "Note", None)
    if model is None:
        return False
    if model._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(model)
    model.objects.all().delete()
    state.update(model=model, client=Client())
    return True

def request(method, path, body=None, content_type="application/json", form=None):
    client = state["client"]
    if form is not None:
        response = client.post(path, form)
    else:
        response = client.generic(method, path, body or "", content_type=content_type)
    return {"status": response.status_code, "headers": dict(response.items()), "body": response.content}

def request_recording_selects(method, path):
    selects = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            selects.append(str(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        answer = request(method, path)
    answer["selects"] = selects
    return answer

def field(name):
    try:
        found = state["model"]._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return {
        "classes": [cls.__name__ for cls in type(found).__mro__],
        "max_length": getattr(found, "max_length", None),
        "has_default": found.has_default(),
        "default": found.get_default(),
        "choices": [value for value, _ in found.choices or []],
        "auto_now_add": getattr(found, "auto_now_add", None),
    }

def app_label():
    return state["model"]._meta.app_label

def create(title):
    note = state["model"].objects.create(title=title)
    return {"body": note.body, "priority": note.priority, "has_created_at": note.created_at is not None}

def count():
    return state["model"].objects.count()

def titles():
    return sorted(state["model"].objects.values_list("title", flat=True))

def rows():
    return [tuple(row) for row in state["model"].objects.values_list("pk", "title", "body", "priority")]

def delete(note_id):
    state["model"].objects.filter(pk=note_id).delete()

def set_created(note_id, iso_text):
    state["model"].objects.filter(pk=note_id).update(created_at=datetime.fromisoformat(iso_text))
"""


def pytest_configure(config: pytest.Config) -> None:
    """Cheap tracebacks: a failure deep inside the framework has a long one, and pytest's default
    report re-reads the source of every frame (about half a second per failed test). The grader's
    message comes from the exception itself, so a native traceback loses nothing."""
    config.option.tbstyle = "native"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer of the student's views, as plain data; header names are matched ignoring case."""

    status_code: int
    headers: dict[str, str]
    content: bytes
    selects: tuple[str, ...] = ()

    def get(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.content)


class Client:
    """Django's test client, used in the student's process through the helper."""

    def __init__(self, notes: Any) -> None:
        self.notes = notes

    def answer(self, what: str, got: Any) -> Answer:
        status = got.get("status") if type(got) is dict else None
        headers = got.get("headers") if type(got) is dict else None
        body = got.get("body") if type(got) is dict else None
        selects = got.get("selects", []) if type(got) is dict else None
        if type(status) is not int or type(headers) is not dict or type(body) is not bytes or type(selects) is not list:
            pytest.fail(f"{what}: the answer of your views could not be read", pytrace=False)
        named = {str(name).lower(): str(value) for name, value in headers.items()}
        return Answer(status, named, body, tuple(str(sql) for sql in selects))

    def generic(self, method: str, path: str, body: str = "", content_type: str = "application/json") -> Answer:
        return self.answer(f"{method} {path}", self.notes.request(method, path, body, content_type))

    def get(self, path: str) -> Answer:
        return self.generic("GET", path)

    def delete(self, path: str) -> Answer:
        return self.generic("DELETE", path)

    def post(self, path: str, body: Any, content_type: str | None = None) -> Answer:
        """`body` sent as is (a str) with `content_type`, as JSON (anything else) or, without a content type, as a form."""
        if content_type is None:
            return self.answer(f"POST {path}", self.notes.request("POST", path, form=body))
        return self.generic("POST", path, body if isinstance(body, str) else json.dumps(body), content_type)

    def get_recording_selects(self, path: str) -> Answer:
        """GET `path`, with the SELECT statements the request ran."""
        return self.answer(f"GET {path}", self.notes.request_recording_selects("GET", path))


@pytest.fixture
def table(student: ModuleType, student_helper: Callable[..., Any]) -> Any:
    """The helper on the student's `Note` table, created (once) and emptied (every test)."""
    notes = student_helper(NOTES, "django_notes")
    assert notes.start(student) is True, "notes.py should define the model class `Note`"
    return notes


@pytest.fixture
def client(table: Any) -> Client:
    """A Django test client on an empty Note table: real requests through the student's URLconf."""
    return Client(table)
