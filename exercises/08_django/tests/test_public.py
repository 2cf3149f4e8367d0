"""Public tests for 08_django. Run `pytest` in this exercise's folder.

They show the shape of the hidden suite, which checks much more (the model, every validation
rule, filters, orderings, paging edges, counts, 405s). They fail until notes.py is written.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find notes.py next to tests/

import notes


@pytest.fixture
def client() -> Iterator[Client]:
    """A test client on an empty Note table (created on first use, emptied before every test)."""
    if notes.Note._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(notes.Note)
    notes.Note.objects.all().delete()
    yield Client()


def test_create_answers_201_with_the_note(client: Client) -> None:
    response = client.post("/notes/", {"title": "Buy milk"}, content_type="application/json")
    assert response.status_code == 201, f"POST /notes/ should answer 201, got {response.status_code} {response.content[:200]!r}"
    note = response.json()
    expected = {"title": "Buy milk", "body": "", "priority": "normal"}
    got = {key: note.get(key) for key in expected}
    assert got == expected, f"the new note should have {expected!r}, got {note!r}"
    assert response["Location"] == f"/notes/{note['id']}/", (
        f"Location should be /notes/{note['id']}/, got {response.get('Location')!r}"
    )
    shown = client.get(f"/notes/{note['id']}/").json()
    assert shown == note, f"GET /notes/{note['id']}/ should show the same note {note!r}, got {shown!r}"


def test_create_refuses_a_blank_title(client: Client) -> None:
    response = client.post("/notes/", {"title": "   ", "priority": "urgent"}, content_type="application/json")
    assert response.status_code == 400, f"a blank title should be a 400, got {response.status_code}"
    errors = response.json().get("errors", {})
    assert set(errors) == {"title", "priority"}, f"'errors' should name title and priority, got {errors!r}"
    assert notes.Note.objects.count() == 0, "a refused note should not be stored"


def test_list_pages_newest_first(client: Client) -> None:
    for number in range(1, 13):
        client.post("/notes/", {"title": f"Note {number:02d}"}, content_type="application/json")
    got = client.get("/notes/?page=2&per_page=5").json()
    titles = [note["title"] for note in got["results"]]
    assert (got["count"], got["page"], got["pages"]) == (12, 2, 3), f"count/page/pages should be 12/2/3, got {got!r}"
    expected = ["Note 07", "Note 06", "Note 05", "Note 04", "Note 03"]
    assert titles == expected, f"page 2 of 5, newest first, should be {expected!r}, got {titles!r}"


def test_unknown_note_is_a_json_404(client: Client) -> None:
    response = client.get("/notes/424242/")
    assert response.status_code == 404, f"GET /notes/424242/ should answer 404, got {response.status_code}"
    assert response["Content-Type"] == "application/json", f"the 404 should be JSON, got {response['Content-Type']!r}"
    assert response.json().get("error"), f"the 404 should have an 'error' text, got {response.json()!r}"
