"""Fixtures for the 08_django hidden suite.

The `student` fixture (the imported submission) comes from the grader; nothing here imports it,
so a submission that fails to import fails each test, not the collection.

Django's state is global: the module is imported once per run, and its settings, its in-memory
database and its `Note` table are shared by every test. So the table is created on first use and
emptied before each test; tests never assume id values, they use the ids the API hands out.
"""

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from django.db import connection
from django.test import Client


def pytest_configure(config: pytest.Config) -> None:
    """Cheap tracebacks: a failure deep inside the framework has a long one, and pytest's default
    report re-reads the source of every frame (about half a second per failed test). The grader's
    message comes from the exception itself, so a native traceback loses nothing."""
    config.option.tbstyle = "native"


@pytest.fixture
def note_model(student: ModuleType) -> Any:
    """The student's `Note` model, with its table created (once) and emptied (every test)."""
    model = getattr(student, "Note", None)
    assert model is not None, "notes.py should define the model class `Note`"
    if model._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(model)
    model.objects.all().delete()
    return model


@pytest.fixture
def client(note_model: Any) -> Iterator[Client]:
    """A Django test client on an empty Note table: real requests through the student's URLconf."""
    yield Client()
