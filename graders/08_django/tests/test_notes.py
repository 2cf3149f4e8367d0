"""Hidden suite for 08_django: a JSON API for notes in a single-file Django app.

Every test gets the submission through the `student` fixture (never imported here), the `Note`
table through `table` and a Django test client on an empty table through `client` (conftest.py).
Django runs in the student's process: the helper behind `table` and `client` sends each request
through Django's test client there and answers as plain data (status, headers, body; the table's
rows), and every expected value stays here. Tests use the ids the API hands out, and set
`created_at` with `QuerySet.update()` (through `table.set_created`) when the order of creation
must differ from the order of ids.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

NOTE_KEYS = {"id", "title", "body", "priority", "created_at"}
Client = Any  # conftest.Client: get/post/delete/generic through Django's test client, answers as plain data
HttpResponse = Any  # conftest.Answer: status_code, content, get(header), json()
Table = Any  # the helper on the student's Note table (conftest.NOTES)


# --- helpers ---------------------------------------------------------------------------------


def text_of(response: HttpResponse) -> str:
    return response.content.decode("utf-8", "replace")[:300]


def json_of(response: HttpResponse, what: str, status: int) -> Any:
    """The JSON body of `response`, failing readably unless the status and the Content-Type match."""
    if response.status_code != status:
        pytest.fail(f"{what} should answer {status}, got {response.status_code} {text_of(response)!r}", pytrace=False)
    content_type = response.get("Content-Type", "")
    if content_type.split(";")[0].strip() != "application/json":
        pytest.fail(
            f"{what} should answer with a JSON body (Content-Type: application/json), got {content_type!r} {text_of(response)!r}",
            pytrace=False,
        )
    return response.json()


def assert_error(response: HttpResponse, what: str, status: int) -> dict[str, Any]:
    """Check a JSON error answer: that status and a body {"error": "<text>", ...}; return the body."""
    body = json_of(response, what, status)
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        pytest.fail(f"{what} should answer with a JSON object holding a non-empty 'error' text, got {body!r}", pytrace=False)
    return body


def assert_field_errors(response: HttpResponse, what: str, fields: set[str]) -> None:
    """Check a 400 whose "errors" object names exactly `fields`, each with a list of messages."""
    body = assert_error(response, what, 400)
    errors = body.get("errors")
    if not isinstance(errors, dict):
        pytest.fail(f"{what} should answer 400 with an 'errors' object naming {sorted(fields)}, got {body!r}", pytrace=False)
    assert set(errors) == fields, f"{what} should name exactly {sorted(fields)} in 'errors', got {sorted(errors)} in {body!r}"
    for name, messages in errors.items():
        assert isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages), (
            f"{what}: errors[{name!r}] should be a non-empty list of message texts, got {messages!r}"
        )


def post(client: Client, body: Any) -> HttpResponse:
    """POST /notes/ with `body` sent as JSON."""
    return client.post("/notes/", body, content_type="application/json")


def add(client: Client, title: str, **fields: Any) -> dict[str, Any]:
    """Create a note through the API and return it (the 201 itself is checked elsewhere)."""
    payload = {"title": title, **fields}
    response = post(client, payload)
    body = response.json() if response.get("Content-Type", "").startswith("application/json") else None
    if response.status_code not in (200, 201) or not isinstance(body, dict) or not isinstance(body.get("id"), int):
        pytest.fail(
            f"POST /notes/ {payload!r} should answer 201 with the new note (with an integer id) as JSON, "
            f"got {response.status_code} {text_of(response)!r}",
            pytrace=False,
        )
    return body


def listed(client: Client, query: str = "") -> dict[str, Any]:
    """GET /notes/ (with a query string) and return its JSON object."""
    what = f"GET /notes/{query}"
    body = json_of(client.get(f"/notes/{query}"), what, 200)
    if not (isinstance(body, dict) and isinstance(body.get("results"), list)):
        pytest.fail(f"{what} should answer {{'count', 'page', 'pages', 'results': [...]}}, got {body!r}", pytrace=False)
    return body


def titles(client: Client, query: str = "") -> list[str]:
    """The titles on one page of GET /notes/."""
    return [note.get("title") for note in listed(client, query)["results"]]


def set_created(table: Table, note_id: int, day: int) -> None:
    """Give a note a created_at of 2025-01-<day> at noon UTC, behind auto_now_add's back."""
    table.set_created(note_id, datetime(2025, 1, day, 12, tzinfo=UTC).isoformat())


def allowed(response: HttpResponse) -> set[str]:
    return {method.strip().upper() for method in response.get("Allow", "").split(",") if method.strip()}


def stored_titles(table: Table) -> list[str]:
    got = table.titles()
    return got if isinstance(got, list) else []


# --- the model -------------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Note needs title = CharField(max_length=100), body = TextField(blank=True, default=''), "
    "priority = CharField with choices low/normal/high and default 'normal', created_at = DateTimeField(auto_now_add=True); "
    "keep the starter's class Meta: app_label = 'notes'.",
)
def test_note_model_fields(table: Table) -> None:
    def field(name: str) -> dict[str, Any]:
        found = table.field(name)  # Note._meta.get_field(name), described as plain data
        if not isinstance(found, dict) or not isinstance(found.get("classes"), list):
            pytest.fail(f"the Note model should have a field {name!r}; it has none", pytrace=False)
        return found

    def kind(found: dict[str, Any]) -> str:
        return str(found["classes"][0]) if found["classes"] else "?"

    title, body, priority, created_at = (field(name) for name in ("title", "body", "priority", "created_at"))
    assert "CharField" in title["classes"] and title.get("max_length") == 100, (
        f"Note.title should be a CharField(max_length=100), got {kind(title)}(max_length={title.get('max_length')!r})"
    )
    assert "TextField" in body["classes"], f"Note.body should be a TextField, got {kind(body)}"
    assert body.get("has_default") is True and body.get("default") == "", (
        f"Note.body should default to '', got {body.get('default')!r}"
    )
    assert "CharField" in priority["classes"], f"Note.priority should be a CharField, got {kind(priority)}"
    choices = sorted(map(str, priority.get("choices") or []))
    assert choices == ["high", "low", "normal"], f"Note.priority's choices should be low, normal, high, got {choices!r}"
    assert priority.get("default") == "normal", f"Note.priority should default to 'normal', got {priority.get('default')!r}"
    assert "DateTimeField" in created_at["classes"] and created_at.get("auto_now_add") is True, (
        f"Note.created_at should be a DateTimeField(auto_now_add=True), got {kind(created_at)} "
        f"with auto_now_add={created_at.get('auto_now_add')!r}"
    )
    label = table.app_label()  # Note._meta.app_label
    assert label == "notes", f"the Note model should keep the starter's class Meta: app_label = 'notes', got {label!r}"
    note = table.create("Made with the ORM")  # Note.objects.create(title=...)
    got = (note.get("body"), note.get("priority"), note.get("has_created_at")) if isinstance(note, dict) else None
    assert got == ("", "normal", True), (
        f"Note.objects.create(title=...) should give body '', priority 'normal' and a created_at, got {got!r}"
    )


# --- POST /notes/ ----------------------------------------------------------------------------


@pytest.mark.points(
    2, hint="Answer 201 with the new note as JSON and a Location header /notes/<id>/, and store it in the database."
)
def test_create_answers_201_with_location(client: Client, table: Table) -> None:
    response = post(client, {"title": "Buy milk", "body": "two litres", "priority": "high"})
    note = json_of(response, "POST /notes/ {'title': 'Buy milk', ...}", 201)
    assert isinstance(note, dict) and isinstance(note.get("id"), int), (
        f"the 201 should hold the note with an integer id, got {note!r}"
    )
    expected = {"title": "Buy milk", "body": "two litres", "priority": "high"}
    got = {key: note.get(key) for key in expected}
    assert got == expected, f"the new note should have {expected!r}, got {note!r}"
    location = response.get("Location", "")
    assert location.endswith(f"/notes/{note['id']}/"), (
        f"the Location header should point to /notes/{note['id']}/, got {location!r}"
    )
    stored = table.rows()  # Note.objects.values_list("pk", "title", "body", "priority")
    assert stored == [(note["id"], "Buy milk", "two litres", "high")], f"the database should hold the new note, got {stored!r}"


@pytest.mark.points(
    1,
    hint="A note has exactly id, title, body, priority, created_at; body defaults to '', priority to 'normal'; "
    "created_at is note.created_at.isoformat().",
)
def test_create_fills_defaults_and_created_at(client: Client) -> None:
    before = datetime.now(UTC)
    note = add(client, "Buy milk")
    assert set(note) == NOTE_KEYS, f"a note should have exactly the keys {sorted(NOTE_KEYS)}, got {sorted(note)}"
    got = (note["body"], note["priority"])
    assert got == ("", "normal"), f"a note with only a title should have body '' and priority 'normal', got {got!r}"
    stamp = note["created_at"]
    try:
        created = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        created = None
    assert created is not None and created.tzinfo is not None, (
        f"created_at should be an ISO 8601 text with a time zone, like '2025-03-01T09:30:00.123456+00:00', got {stamp!r}"
    )
    assert abs(created - before) < timedelta(minutes=5), (
        f"created_at should be the time of the POST (about {before.isoformat()}), got {stamp!r}"
    )


@pytest.mark.points(
    1, hint="Strip surrounding whitespace from title and body before checking and storing them (a form's CharField does)."
)
def test_create_strips_whitespace(client: Client) -> None:
    note = add(client, "  Buy milk \t", body="\n two litres  ")
    got = (note["title"], note["body"])
    assert got == ("Buy milk", "two litres"), f"title and body should be stored stripped ('Buy milk', 'two litres'), got {got!r}"
    long_title = "x" * 100
    note = add(client, f"  {long_title}  ")
    assert note["title"] == long_title, (
        f"a 100-character title with spaces around it should be accepted and stripped, got {note['title']!r}"
    )


@pytest.mark.points(
    1, hint="Read only title, body and priority from the body: the database gives the id and Django sets created_at."
)
def test_create_ignores_other_keys(client: Client) -> None:
    note = add(client, "Sneaky", id=987654, created_at="2000-01-01T00:00:00+00:00", owner="mallory")
    assert note["id"] != 987654, f"the client must not choose the id: POST with 'id': 987654 got {note!r}"
    assert set(note) == NOTE_KEYS, (
        f"other keys should be ignored, the note should have keys {sorted(NOTE_KEYS)}, got {sorted(note)}"
    )
    assert not str(note["created_at"]).startswith("2000"), (
        f"created_at is set by Django, not by the client, got {note['created_at']!r}"
    )


@pytest.mark.points(
    2, hint="title is required and must not be blank: answer 400 with 'errors' naming 'title', and store nothing."
)
def test_create_refuses_missing_or_blank_title(client: Client, table: Table) -> None:
    for body in ({}, {"body": "no title"}, {"title": ""}, {"title": "  \t\n"}):
        assert_field_errors(post(client, body), f"POST /notes/ {body!r}", {"title"})
    assert table.count() == 0, f"a refused note should not be stored, got {stored_titles(table)!r} in the database"


@pytest.mark.points(1, hint="title has at most 100 characters (max_length=100): 101 is a 400 naming 'title'.")
def test_create_refuses_a_title_longer_than_100(client: Client, table: Table) -> None:
    assert_field_errors(post(client, {"title": "x" * 101}), "POST /notes/ with a 101-character title", {"title"})
    assert table.count() == 0, "a refused note should not be stored"
    note = add(client, "y" * 100)
    assert len(note["title"]) == 100, f"a title of exactly 100 characters should be accepted, got {note!r}"


@pytest.mark.points(1, hint="priority must be exactly 'low', 'normal' or 'high': anything else is a 400 naming 'priority'.")
def test_create_refuses_a_bad_priority(client: Client, table: Table) -> None:
    for priority in ("urgent", "HIGH", ""):
        body = {"title": "Call Ann", "priority": priority}
        assert_field_errors(post(client, body), f"POST /notes/ {body!r}", {"priority"})
    assert table.count() == 0, f"a refused note should not be stored, got {stored_titles(table)!r}"


@pytest.mark.points(1, hint="Name every refused field in 'errors', not only the first one found.")
def test_create_names_every_refused_field(client: Client) -> None:
    body: dict[str, Any] = {"title": "", "priority": "urgent"}
    assert_field_errors(post(client, body), f"POST /notes/ {body!r}", {"title", "priority"})
    body = {"title": "z" * 101, "body": 5, "priority": "low"}
    assert_field_errors(post(client, body), "POST /notes/ with a 101-character title and 'body': 5", {"title", "body"})


@pytest.mark.points(
    1, hint="A form turns 42 into '42': check that title, body and priority are JSON strings (null too is refused)."
)
def test_create_refuses_values_that_are_not_strings(client: Client, table: Table) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": 42}, "title"),
        ({"title": "Buy milk", "body": None}, "body"),
        ({"title": "Buy milk", "priority": ["high"]}, "priority"),
        ({"title": None}, "title"),
    ]
    for body, name in cases:
        assert_field_errors(post(client, body), f"POST /notes/ {body!r}", {name})
    assert table.count() == 0, f"a refused note should not be stored, got {stored_titles(table)!r}"


@pytest.mark.points(
    1, hint="json.loads(request.body) in a try, and check the result is a dict: otherwise answer 400 with an 'error'."
)
def test_create_refuses_a_body_that_is_not_a_json_object(client: Client, table: Table) -> None:
    for raw in ("not json", "[1, 2]", '"Buy milk"', ""):
        response = client.post("/notes/", raw, content_type="application/json")
        assert_error(response, f"POST /notes/ with the body {raw!r}", 400)
    response = client.post("/notes/", {"title": "sent as a form"})  # multipart form data, not JSON
    assert_error(response, "POST /notes/ with a form body", 400)
    assert table.count() == 0, f"a refused body should store nothing, got {stored_titles(table)!r}"


# --- GET and DELETE /notes/<id>/ -------------------------------------------------------------


@pytest.mark.points(1, hint="GET /notes/<id>/ answers 200 with that note.")
def test_get_one_note(client: Client) -> None:
    add(client, "First")
    note = add(client, "Second", body="the one", priority="low")
    add(client, "Third")
    got = json_of(client.get(f"/notes/{note['id']}/"), f"GET /notes/{note['id']}/", 200)
    assert got == note, f"GET /notes/{note['id']}/ should show {note!r}, got {got!r}"


@pytest.mark.points(
    2, hint="For an unknown id answer your own JSON 404 (Note.objects.filter(pk=...).first(), or catch Note.DoesNotExist)."
)
def test_unknown_note_is_a_json_404(client: Client, table: Table) -> None:
    note = add(client, "Soon gone")
    table.delete(note["id"])  # Note.objects.filter(pk=...).delete()
    assert_error(client.get(f"/notes/{note['id']}/"), f"GET /notes/{note['id']}/ of a deleted note", 404)
    assert_error(client.get("/notes/987654321/"), "GET /notes/987654321/", 404)


@pytest.mark.points(2, hint="DELETE answers 204 with an empty body and removes the note; an unknown id is a JSON 404.")
def test_delete_answers_204_and_removes_the_note(client: Client, table: Table) -> None:
    keep = add(client, "Keep me")
    gone = add(client, "Delete me")
    response = client.delete(f"/notes/{gone['id']}/")
    assert response.status_code == 204, (
        f"DELETE /notes/{gone['id']}/ should answer 204, got {response.status_code} {text_of(response)!r}"
    )
    assert response.content == b"", f"a 204 answer should have an empty body, got {text_of(response)!r}"
    assert stored_titles(table) == ["Keep me"], f"only 'Keep me' should be left in the database, got {stored_titles(table)!r}"
    assert_error(client.get(f"/notes/{gone['id']}/"), "GET of a deleted note", 404)
    assert_error(client.delete(f"/notes/{gone['id']}/"), "DELETE of a note already deleted", 404)
    json_of(client.get(f"/notes/{keep['id']}/"), "GET of the note that was kept", 200)


# --- GET /notes/ -----------------------------------------------------------------------------


@pytest.mark.points(1, hint="With no notes: 200 {'count': 0, 'page': 1, 'pages': 1, 'results': []}.")
def test_list_with_no_notes(client: Client) -> None:
    got = listed(client)
    expected = {"count": 0, "page": 1, "pages": 1, "results": []}
    assert got == expected, f"GET /notes/ with no notes should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="By default order by created_at, newest first (order_by('-created_at', '-id')), not by id.")
def test_list_default_order_is_newest_first(client: Client, table: Table) -> None:
    ids = {title: add(client, title)["id"] for title in ("Alpha", "Bravo", "Charlie", "Delta")}
    for title, day in (("Alpha", 3), ("Bravo", 1), ("Charlie", 4), ("Delta", 2)):
        set_created(table, ids[title], day)
    got = listed(client)
    expected = ["Charlie", "Alpha", "Delta", "Bravo"]
    assert [note.get("title") for note in got["results"]] == expected, (
        f"GET /notes/ should list newest created_at first: {expected!r}, got {[n.get('title') for n in got['results']]!r}"
    )
    assert (got.get("count"), got.get("page"), got.get("pages")) == (4, 1, 1), f"count/page/pages should be 4/1/1, got {got!r}"
    assert all(set(note) == NOTE_KEYS for note in got["results"]), (
        f"each listed note should have the keys {sorted(NOTE_KEYS)}, got {got['results']!r}"
    )


@pytest.mark.points(2, hint="?order= takes created_at, -created_at, title or -title.")
def test_list_order_parameter(client: Client, table: Table) -> None:
    ids = {title: add(client, title)["id"] for title in ("Delta", "Alpha", "Charlie", "Bravo")}
    for title, day in (("Alpha", 3), ("Bravo", 1), ("Charlie", 4), ("Delta", 2)):
        set_created(table, ids[title], day)
    checks = {
        "?order=created_at": ["Bravo", "Delta", "Alpha", "Charlie"],
        "?order=-created_at": ["Charlie", "Alpha", "Delta", "Bravo"],
        "?order=title": ["Alpha", "Bravo", "Charlie", "Delta"],
        "?order=-title": ["Delta", "Charlie", "Bravo", "Alpha"],
    }
    for query, expected in checks.items():
        got = titles(client, query)
        assert got == expected, f"GET /notes/{query} should list {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Break ties by id in the order's direction: order_by('-created_at', '-id'), order_by('title', 'id').")
def test_list_ties_are_ordered_by_id(client: Client, table: Table) -> None:
    made = [add(client, "Same title", body=f"number {number}") for number in range(1, 5)]
    for note in made:
        set_created(table, note["id"], 7)
    ids = [note["id"] for note in made]
    checks = {"": ids[::-1], "?order=created_at": ids, "?order=title": ids, "?order=-title": ids[::-1]}
    for query, expected in checks.items():
        got = [note.get("id") for note in listed(client, query)["results"]]
        assert got == expected, f"GET /notes/{query} with equal created_at and titles should list ids {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="An ?order= other than the four allowed is a 400 naming 'order'.")
def test_list_refuses_a_bad_order(client: Client) -> None:
    add(client, "Buy milk")
    for value in ("id", "body", "Title", "-priority"):
        assert_field_errors(client.get(f"/notes/?order={value}"), f"GET /notes/?order={value}", {"order"})


@pytest.mark.points(1, hint="?priority=high lists only high-priority notes, and count counts only those.")
def test_list_filter_by_priority(client: Client) -> None:
    add(client, "Call Ann", priority="high")
    add(client, "Water plants", priority="low")
    add(client, "File taxes", priority="high")
    add(client, "Read a book")
    got = listed(client, "?priority=high&order=title")
    assert [note.get("title") for note in got["results"]] == ["Call Ann", "File taxes"], (
        f"GET /notes/?priority=high&order=title should list ['Call Ann', 'File taxes'], got {got!r}"
    )
    assert got.get("count") == 2, f"count should be 2 with ?priority=high, got {got.get('count')!r}"
    got_normal = titles(client, "?priority=normal")
    assert got_normal == ["Read a book"], f"GET /notes/?priority=normal should list ['Read a book'], got {got_normal!r}"


@pytest.mark.points(1, hint="A ?priority= filter other than low, normal or high is a 400 naming 'priority'.")
def test_list_refuses_a_bad_priority_filter(client: Client) -> None:
    for value in ("urgent", "HIGH"):
        assert_field_errors(client.get(f"/notes/?priority={value}"), f"GET /notes/?priority={value}", {"priority"})


@pytest.mark.points(2, hint="?q= searches title OR body, ignoring case: Q(title__icontains=q) | Q(body__icontains=q).")
def test_list_search_title_or_body_ignoring_case(client: Client) -> None:
    add(client, "Buy MILK")
    add(client, "Groceries", body="eggs, milk, bread")
    add(client, "Call Ann", body="about the party")
    add(client, "Milkshake recipe")
    got = listed(client, "?q=milk&order=title")
    expected = ["Buy MILK", "Groceries", "Milkshake recipe"]
    assert [note.get("title") for note in got["results"]] == expected, (
        f"GET /notes/?q=milk&order=title should list {expected!r} (title or body, any case), got {got!r}"
    )
    assert got.get("count") == 3, f"count should be 3 with ?q=milk, got {got.get('count')!r}"
    none = titles(client, "?q=zebra")
    assert none == [], f"GET /notes/?q=zebra should list nothing, got {none!r}"


@pytest.mark.points(1, hint="Apply every filter given: q, priority, order and the page all together.")
def test_list_filters_combine(client: Client) -> None:
    add(client, "Buy milk", priority="high")
    add(client, "Milk the cow", priority="low")
    add(client, "Pay milkman", priority="high")
    add(client, "Call Ann", priority="high")
    got = listed(client, "?q=MILK&priority=high&order=-title&per_page=1&page=2")
    expected = {"count": 2, "page": 2, "pages": 2}
    shown = {key: got.get(key) for key in expected}
    assert shown == expected and [n.get("title") for n in got["results"]] == ["Buy milk"], (
        f"GET /notes/?q=MILK&priority=high&order=-title&per_page=1&page=2 should be {expected!r} with results "
        f"['Buy milk'], got {got!r}"
    )


@pytest.mark.points(
    2, hint="Paginator(notes, per_page).page(page): 10 per page by default; count is every match, pages how many pages."
)
def test_list_pages(client: Client) -> None:
    for number in range(1, 24):
        add(client, f"Note {number:02d}")
    first = listed(client)
    got = (first.get("count"), first.get("page"), first.get("pages"), len(first["results"]))
    assert got == (23, 1, 3, 10), f"GET /notes/ with 23 notes should give count 23, page 1, pages 3 and 10 results, got {got!r}"
    last = listed(client, "?page=3&order=title")
    expected = ["Note 21", "Note 22", "Note 23"]
    assert [n.get("title") for n in last["results"]] == expected and last.get("page") == 3, (
        f"GET /notes/?page=3&order=title should be page 3 holding {expected!r}, got {last!r}"
    )
    middle = titles(client, "?per_page=4&page=2&order=title")
    expected = ["Note 05", "Note 06", "Note 07", "Note 08"]
    assert middle == expected, f"GET /notes/?per_page=4&page=2&order=title should list {expected!r}, got {middle!r}"
    widest = listed(client, "?per_page=50")
    assert (widest.get("pages"), len(widest["results"])) == (1, 23), (
        f"?per_page=50 (the maximum) should give 1 page of 23, "
        f"got pages={widest.get('pages')!r}, {len(widest['results'])} results"
    )


@pytest.mark.points(1, hint="count is how many notes match the filters in all pages, not how many are on this page.")
def test_list_count_is_every_match_not_the_page(client: Client) -> None:
    for number in range(7):
        add(client, f"High {number}", priority="high")
    for number in range(5):
        add(client, f"Low {number}", priority="low")
    got = listed(client, "?priority=high&per_page=3&page=3")
    shown = (got.get("count"), got.get("page"), got.get("pages"), len(got["results"]))
    assert shown == (7, 3, 3, 1), (
        f"GET /notes/?priority=high&per_page=3&page=3 with 7 high notes should give count 7, page 3, pages 3 and 1 result, "
        f"got count={shown[0]!r}, page={shown[1]!r}, pages={shown[2]!r}, {shown[3]} result(s)"
    )


@pytest.mark.points(
    2, hint="page must be an integer >= 1 and per_page an integer from 1 to 50: otherwise a 400 naming the parameter."
)
def test_list_refuses_bad_paging_parameters(client: Client) -> None:
    add(client, "Buy milk")
    cases = {
        "?page=0": "page",
        "?page=-1": "page",
        "?page=abc": "page",
        "?page=1.5": "page",
        "?per_page=0": "per_page",
        "?per_page=51": "per_page",
        "?per_page=ten": "per_page",
    }
    for query, name in cases.items():
        assert_field_errors(client.get(f"/notes/{query}"), f"GET /notes/{query}", {name})
    assert_field_errors(client.get("/notes/?page=0&per_page=99"), "GET /notes/?page=0&per_page=99", {"page", "per_page"})


@pytest.mark.points(
    1, hint="A parameter given empty (?page=) counts as not given: use its default, do not refuse it or test `in request.GET`."
)
def test_list_empty_parameters_count_as_not_given(client: Client, table: Table) -> None:
    for day in range(1, 13):
        set_created(table, add(client, f"Day {day:02d}")["id"], day)
    expected = {"count": 12, "page": 1, "pages": 2, "titles": [f"Day {day:02d}" for day in range(12, 2, -1)]}
    for query in ("?page=", "?per_page=", "?order=", "?priority=", "?q=", "?q=&priority=&order=&page=&per_page="):
        try:
            response = client.get(f"/notes/{query}")
        except Exception as exc:  # the view crashed: say so in the student's terms
            crash = f"{type(exc).__name__}: {exc}"
            pytest.fail(f"GET /notes/{query} should answer 200 (as if not given), your view raised {crash}", pytrace=False)
        body = json_of(response, f"GET /notes/{query} (empty parameters count as not given)", 200)
        got = {key: body.get(key) for key in ("count", "page", "pages")} if isinstance(body, dict) else {}
        got["titles"] = [note.get("title") for note in body.get("results", [])] if isinstance(body, dict) else None
        assert got == expected, (
            f"GET /notes/{query} with 12 notes should be the default listing: page 1 of 2, 10 per page, newest first "
            f"({expected['titles'][0]!r} to {expected['titles'][-1]!r}), as if no parameter was given; got {body!r}"
        )


@pytest.mark.points(1, hint="A page past the last is a JSON 404 (paginator.page() raises EmptyPage; get_page() would hide it).")
def test_list_page_past_the_end_is_a_404(client: Client) -> None:
    for title in ("One", "Two", "Three"):
        add(client, title)
    assert_error(client.get("/notes/?page=2"), "GET /notes/?page=2 with 3 notes (one page of 10)", 404)
    assert_error(client.get("/notes/?page=4&per_page=1"), "GET /notes/?page=4&per_page=1 with 3 notes", 404)
    got = titles(client, "?page=3&per_page=1")
    assert got == ["One"], f"GET /notes/?page=3&per_page=1 (the last page) should list ['One'], got {got!r}"


# --- GET /notes/stats/ -----------------------------------------------------------------------


@pytest.mark.points(
    2, hint="by_priority always has low, normal and high, with 0 for a priority no note has; total counts every note."
)
def test_stats_counts_per_priority(client: Client) -> None:
    empty = json_of(client.get("/notes/stats/"), "GET /notes/stats/ with no notes", 200)
    expected: dict[str, Any] = {"total": 0, "by_priority": {"low": 0, "normal": 0, "high": 0}}
    assert empty == expected, f"GET /notes/stats/ with no notes should be {expected!r}, got {empty!r}"
    for title, priority in (("A", "high"), ("B", "low"), ("C", "high"), ("D", "high")):
        add(client, title, priority=priority)
    got = json_of(client.get("/notes/stats/"), "GET /notes/stats/", 200)
    expected = {"total": 4, "by_priority": {"low": 1, "normal": 0, "high": 3}}
    assert got == expected, f"GET /notes/stats/ with 3 high and 1 low note should be {expected!r}, got {got!r}"


@pytest.mark.points(
    1, hint="Count in the database: values('priority').annotate(n=Count('id')), not a loop over every note in Python."
)
def test_stats_counts_in_the_database(client: Client) -> None:
    for title, priority in (("A", "high"), ("B", "low"), ("C", "normal")):
        add(client, title, priority=priority)
    response = client.get_recording_selects("/notes/stats/")  # with connection.execute_wrapper(...)
    selects = list(response.selects)
    got = json_of(response, "GET /notes/stats/", 200)
    expected = {"total": 3, "by_priority": {"low": 1, "normal": 1, "high": 1}}
    assert got == expected, f"GET /notes/stats/ with one note of each priority should be {expected!r}, got {got!r}"
    loading = [sql for sql in selects if "COUNT(" not in sql.upper()]
    assert selects and not loading, (
        "GET /notes/stats/ should count in the database (SELECT ... COUNT(...)), not load the notes into Python; "
        f"it ran {len(loading)} query(ies) that fetch notes without counting them"
    )


# --- methods and URLs ------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Answer other methods with a JSON 405 and an Allow header: "
    "'GET, POST' on /notes/, 'GET, DELETE' on /notes/<id>/, 'GET' on /notes/stats/.",
)
def test_wrong_methods_are_json_405s_with_allow(client: Client, table: Table) -> None:
    note = add(client, "Untouchable")
    cases = [
        ("PUT", "/notes/", {"GET", "POST"}),
        ("DELETE", "/notes/", {"GET", "POST"}),
        ("POST", f"/notes/{note['id']}/", {"GET", "DELETE"}),
        ("PATCH", f"/notes/{note['id']}/", {"GET", "DELETE"}),
        ("POST", "/notes/stats/", {"GET"}),
    ]
    for method, url, expected in cases:
        response = client.generic(method, url, '{"title": "changed"}', content_type="application/json")
        what = f"{method} {url}"
        assert_error(response, what, 405)
        got = allowed(response)
        assert expected <= got and method not in got, (
            f"{what} should answer 405 with an Allow header listing {sorted(expected)}, got Allow: {response.get('Allow')!r}"
        )
    assert stored_titles(table) == ["Untouchable"], f"a 405 should change nothing, got {stored_titles(table)!r} in the database"


@pytest.mark.points(
    1, hint="Set handler404 in the module (the root URLconf) to a view answering JSON: Django's default answers HTML."
)
def test_unknown_urls_are_json_404s(client: Client) -> None:
    for url in ("/nope/", "/notes/abc/", "/notes", "/notes/1/extra/"):
        assert_error(client.get(url), f"GET {url}", 404)
