"""Hidden suite for 02_http_json: a `requests` client for the Library API, and XML.

Every test gets the submission through the `student` fixture (never imported here), and the
HTTP tests a fresh, real server on 127.0.0.1 through the `library` fixture in conftest.py.
"""

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import partial
from itertools import pairwise
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import requests

if TYPE_CHECKING:
    from conftest import LibraryServer

T = TypeVar("T")

LE_GUIN = "Ursula K. Le Guin"
LE_GUIN_TITLES = [
    "A Wizard of Earthsea",
    "The Left Hand of Darkness",
    "The Dispossessed",
    "The Tombs of Atuan",
    "The Lathe of Heaven",
]

# What /catalog serves as XML: pretty-printed, one book with its children in another order,
# one without a year, one with an empty <tags/>, an escaped '&' and non-ASCII text.
CATALOG_XML = """<?xml version="1.0" encoding="UTF-8"?>
<catalog generated="2024-05-01T12:00:00Z">
  <book id="3">
    <title>Dune</title>
    <author>Frank Herbert</author>
    <year>1965</year>
    <tags>
      <tag>sf</tag>
      <tag>classic</tag>
    </tags>
  </book>
  <book id="5">
    <author>Terry Pratchett &amp; Neil Gaiman</author>
    <tags/>
    <year>1990</year>
    <title>Good Omens</title>
  </book>
  <book id="6">
    <title>Solaris</title>
    <author>Stanisław Lem</author>
    <tags>
      <tag>sf</tag>
    </tags>
  </book>
</catalog>
"""

CATALOG: list[dict[str, Any]] = [
    {"id": 3, "title": "Dune", "author": "Frank Herbert", "year": 1965, "tags": ["sf", "classic"]},
    {"id": 5, "title": "Good Omens", "author": "Terry Pratchett & Neil Gaiman", "year": 1990, "tags": []},
    {"id": 6, "title": "Solaris", "author": "Stanisław Lem", "year": None, "tags": ["sf"]},
]


def run(what: str, call: Callable[[], T]) -> T:
    """`call()`, or a readable failure naming `what` when it raises."""
    try:
        return call()
    except Exception as exc:  # any error is the finding we report
        pytest.fail(f"{what} raised {type(exc).__name__}: {exc}", pytrace=False)


def expect_raises(expected: type[BaseException], call: Callable[[], object], what: str) -> Any:
    """The exception `call()` raises, failing with a readable message unless it is an `expected`."""
    try:
        result = call()
    except expected as exc:
        return exc
    except Exception as exc:  # any other error is the finding we report
        pytest.fail(
            f"{what} should raise {expected.__name__}, got {type(exc).__name__}: {exc}",
            pytrace=False,
        )
    pytest.fail(f"{what} should raise {expected.__name__}, but it returned {result!r}", pytrace=False)


def read_catalog(xml_text: str) -> list[dict[str, Any]]:
    """The grader's own strict reader for the <catalog> format (not the student's parse_catalog)."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        pytest.fail(f"json_to_xml should return well-formed XML, but it does not parse: {exc}\n{xml_text}", pytrace=False)
    assert root.tag == "catalog", f"the root element should be <catalog>, got <{root.tag}>"
    books = []
    for book in root:
        assert book.tag == "book", f"<catalog> should hold only <book> elements, got <{book.tag}>"
        children = [child.tag for child in book]
        for tag in ("title", "author", "tags"):
            assert children.count(tag) == 1, f"each <book> should have exactly one <{tag}>, got children {children}"
        assert children.count("year") <= 1, f"a <book> should have at most one <year>, got children {children}"
        book_id, year = book.get("id", ""), book.findtext("year")
        assert re.fullmatch(r"-?\d+", book_id), f"each <book> should have an integer id attribute, got id={book_id!r}"
        assert year is None or re.fullmatch(r"-?\d+", year), f"<year> should hold an integer (or be left out), got {year!r}"
        books.append(
            {
                "id": int(book_id),
                "title": book.findtext("title"),
                "author": book.findtext("author"),
                "year": int(year) if year is not None else None,
                "tags": [tag.text or "" for tag in book.findall("tags/tag")],
            }
        )
    return books


def mentions(message: str, field: str) -> bool:
    """True when `field` appears in `message` as a word of its own."""
    return re.search(rf"\b{re.escape(field)}\b", message) is not None


# --- the error classes ---------------------------------------------------------------------


@pytest.mark.points(1, hint="Keep the starter's error classes: each one is a subclass of ApiError, so `except ApiError` catches all.")
def test_errors_are_api_errors(student: ModuleType, library: "LibraryServer") -> None:
    exc = expect_raises(
        student.ApiError,
        lambda: student.add_review(library.base_url, 99, 5, "Great."),
        "add_review for book 99 (the server answers 404), caught with `except ApiError`,",
    )
    kind = type(exc).__name__
    is_not_found = isinstance(exc, student.NotFoundError)
    assert is_not_found, f"the error for a 404 answer should be a NotFoundError, got {kind}"
    names = ["NotFoundError", "ValidationError", "AuthError", "ApiTimeout", "ServiceUnavailable"]
    missing = [name for name in names if not isinstance(getattr(student, name, None), type)]
    assert not missing, f"client.py should define the error classes {', '.join(missing)} (do not rename them)"
    apart = [name for name in names if not issubclass(getattr(student, name), student.ApiError)]
    assert not apart, f"every error class should be a subclass of ApiError; these are not: {', '.join(apart)}"


# --- find_books: GET with query parameters, a JSON body ------------------------------------


@pytest.mark.points(
    2,
    hint="GET {base_url}/books with params={'author': ..., 'limit': ...}; the titles of response.json()['results'], in order.",
)
def test_find_books_sends_params_and_keeps_server_order(student: ModuleType, library: "LibraryServer") -> None:
    got = run("find_books(base_url, 'Ursula K. Le Guin')", lambda: student.find_books(library.base_url, LE_GUIN))
    assert got == LE_GUIN_TITLES, f"find_books(base_url, {LE_GUIN!r}) should be {LE_GUIN_TITLES!r}, got {got!r}"
    sent = [(seen.method, seen.query) for seen in library.requests_to("/books")]
    expected = [("GET", {"author": [LE_GUIN], "limit": ["10"]})]
    assert sent == expected, f"the server should get one GET /books with query {expected[0][1]}, got {sent}"


@pytest.mark.points(2, hint="Let requests encode the query (params=...): an '&' in a name must not split the query string.")
def test_find_books_encodes_special_characters(student: ModuleType, library: "LibraryServer") -> None:
    for author, expected in [("Terry Pratchett & Neil Gaiman", ["Good Omens"]), ("Stanisław Lem", ["Solaris"])]:
        got = run(f"find_books(base_url, {author!r})", partial(student.find_books, library.base_url, author))
        assert got == expected, f"find_books(base_url, {author!r}) should be {expected!r}, got {got!r}"
    authors = [seen.query.get("author") for seen in library.requests_to("/books")]
    assert authors == [["Terry Pratchett & Neil Gaiman"], ["Stanisław Lem"]], (
        f"the server should receive the author names unchanged, got author parameters {authors}"
    )


@pytest.mark.points(1, hint="Send limit as a query parameter; the server returns at most that many results.")
def test_find_books_passes_limit(student: ModuleType, library: "LibraryServer") -> None:
    got = run(
        "find_books(base_url, 'Ursula K. Le Guin', limit=2)", lambda: student.find_books(library.base_url, LE_GUIN, limit=2)
    )
    assert got == LE_GUIN_TITLES[:2], f"find_books(base_url, {LE_GUIN!r}, limit=2) should be {LE_GUIN_TITLES[:2]!r}, got {got!r}"
    limits = [seen.query.get("limit") for seen in library.requests_to("/books")]
    assert limits == [["2"]], f"the server should get limit=2 in the query, got limit parameters {limits}"


@pytest.mark.points(1, hint="An author with no books gives an empty 'results' list: return [].")
def test_find_books_unknown_author_is_empty(student: ModuleType, library: "LibraryServer") -> None:
    got = run("find_books(base_url, 'Nobody')", lambda: student.find_books(library.base_url, "Nobody"))
    assert got == [], f"find_books(base_url, 'Nobody') should be [], got {got!r}"


@pytest.mark.points(
    1, hint="Check response.status_code before reading the body: anything but 200 raises ApiError(message, status)."
)
def test_find_books_error_status_raises_api_error(student: ModuleType, library: "LibraryServer") -> None:
    for limit in (0, 51):
        exc = expect_raises(
            student.ApiError,
            partial(student.find_books, library.base_url, LE_GUIN, limit=limit),
            f"find_books(base_url, {LE_GUIN!r}, limit={limit}) (the server answers 400)",
        )
        assert exc.status == 400, f"the ApiError for a 400 answer should have status 400, got {exc.status!r}"


@pytest.mark.points(
    1, hint="Pass timeout= (a few seconds) to every requests call, so that a server that never answers cannot hang you."
)
def test_every_request_has_a_timeout(student: ModuleType, library: "LibraryServer", student_helper: Any) -> None:
    # The spy runs where the student's code runs (beside it, or across the process boundary).
    spy = student_helper(TIMEOUT_SPY, name="timeout_spy")
    library.report_plan = [503]
    calls: list[tuple[str, Callable[[], object]]] = [
        ("find_books(base_url, 'Frank Herbert')", lambda: student.find_books(library.base_url, "Frank Herbert")),
        ("add_review(base_url, 3, 5, 'A classic.')", lambda: student.add_review(library.base_url, 3, 5, "A classic.")),
        ("whoami(base_url, 's3cret-ada')", lambda: student.whoami(library.base_url, "s3cret-ada")),
        ("health(base_url)", lambda: student.health(library.base_url)),
        ("get_report(base_url, attempts=2, delay=0)", lambda: student.get_report(library.base_url, attempts=2, delay=0)),
        ("fetch_catalog(base_url)", lambda: student.fetch_catalog(library.base_url)),
    ]
    spy.install()
    try:
        for what, call in calls:
            run(what, call)
        sent = spy.seen()
    finally:
        spy.uninstall()
    without = sorted({f"{method} {url.removeprefix(library.base_url)}" for method, url, timeout in sent if timeout is None})
    assert sent, "the requests your functions sent should go through requests (requests.get, requests.post, ...)"
    assert not without, f"every request should pass a timeout= to requests; these did not: {', '.join(without)}"


TIMEOUT_SPY = """
import requests

_real = requests.Session.request
_sent = []


def _recording(session, method, url, *args, **kwargs):
    _sent.append([str(method).upper(), str(url).split("?")[0], kwargs.get("timeout")])
    return _real(session, method, url, *args, **kwargs)


def install():
    requests.Session.request = _recording


def uninstall():
    requests.Session.request = _real


def seen():
    plain = (int, float, tuple, type(None))
    return [[method, url, timeout if isinstance(timeout, plain) else repr(timeout)] for method, url, timeout in _sent]
"""


# --- add_review: POST JSON, 201 / 400 / 404 ------------------------------------------------


@pytest.mark.points(2, hint="POST with json={'stars': ..., 'text': ...}; a 201 answer's JSON body is the created review.")
def test_add_review_posts_json_and_returns_created(student: ModuleType, library: "LibraryServer") -> None:
    first = run("add_review(base_url, 3, 5, 'A classic.')", lambda: student.add_review(library.base_url, 3, 5, "A classic."))
    expected = {"id": 1, "book_id": 3, "stars": 5, "text": "A classic."}
    assert first == expected, f"add_review(base_url, 3, 5, 'A classic.') should return {expected!r}, got {first!r}"
    second = run(
        "add_review(base_url, 6, 4, 'Strange ocean.')", lambda: student.add_review(library.base_url, 6, 4, "Strange ocean.")
    )
    expected = {"id": 2, "book_id": 6, "stars": 4, "text": "Strange ocean."}
    assert second == expected, f"a second add_review should return the server's new review {expected!r}, got {second!r}"
    posted = library.requests_to("/books/3/reviews")
    assert [seen.method for seen in posted] == ["POST"], (
        f"add_review should send one POST to /books/3/reviews, got {[s.method for s in posted]}"
    )
    content_type = posted[0].headers.get("content-type", "")
    assert content_type.startswith("application/json"), (
        f"the review should be sent as JSON (Content-Type: application/json), got {content_type!r}"
    )
    assert posted[0].json() == {"stars": 5, "text": "A classic."}, (
        f"the JSON body should be {{'stars': 5, 'text': 'A classic.'}}, got {posted[0].body!r}"
    )


@pytest.mark.points(2, hint="A 404 answer raises NotFoundError(error, 404), with the server's 'error' text as the message.")
def test_add_review_unknown_book_raises_not_found(student: ModuleType, library: "LibraryServer") -> None:
    exc = expect_raises(
        student.NotFoundError,
        lambda: student.add_review(library.base_url, 99, 5, "Great."),
        "add_review for book 99 (the server answers 404)",
    )
    assert exc.status == 404, f"the NotFoundError should have status 404, got {exc.status!r}"
    assert str(exc) == "no book with id 99", (
        f"the message should be the server's error text 'no book with id 99', got {str(exc)!r}"
    )


@pytest.mark.points(
    2, hint="A 400 answer raises ValidationError(error, field, 400) with the 'error' and 'field' of the JSON body."
)
def test_add_review_bad_stars_raises_validation_error(student: ModuleType, library: "LibraryServer") -> None:
    for stars in (6, 0):
        exc = expect_raises(
            student.ValidationError,
            partial(student.add_review, library.base_url, 3, stars, "Hmm."),
            f"add_review(base_url, 3, {stars}, 'Hmm.') (the server answers 400)",
        )
        got = (exc.status, getattr(exc, "field", "<no field attribute>"), str(exc))
        expected = (400, "stars", "stars must be an integer from 1 to 5")
        assert got == expected, f"the ValidationError's (status, field, message) should be {expected!r}, got {got!r}"
    assert library.reviews == [], f"no review should have been stored, the server holds {library.reviews!r}"


@pytest.mark.points(1, hint="The field of a ValidationError is whatever the server names: 'text' for a blank text.")
def test_add_review_blank_text_names_the_field(student: ModuleType, library: "LibraryServer") -> None:
    exc = expect_raises(
        student.ValidationError, lambda: student.add_review(library.base_url, 3, 4, "   "), "add_review with text '   '"
    )
    got = getattr(exc, "field", "<no field attribute>")
    assert got == "text", f"the ValidationError's field should be 'text', got {got!r}"


@pytest.mark.points(1, hint="Success is 201 (Created) only: a 200 answer is not what add_review expects, so raise ApiError.")
def test_add_review_refuses_200(student: ModuleType, library: "LibraryServer") -> None:
    library.answers["/books/3/reviews"] = (200, {"id": 1, "book_id": 3, "stars": 5, "text": "A classic."})
    exc = expect_raises(
        student.ApiError,
        lambda: student.add_review(library.base_url, 3, 5, "A classic."),
        "add_review(base_url, 3, 5, 'A classic.') when the server answers 200 instead of 201",
    )
    assert exc.status == 200, f"the ApiError for a 200 answer should have status 200, got {exc.status!r}"


@pytest.mark.points(1, hint="Any status but 201, 400 and 404 raises ApiError(message, status), e.g. a 500.")
def test_add_review_other_status_raises_api_error(student: ModuleType, library: "LibraryServer") -> None:
    library.answers["/books/3/reviews"] = (500, {"error": "the review store is down"})
    exc = expect_raises(
        student.ApiError,
        lambda: student.add_review(library.base_url, 3, 5, "A classic."),
        "add_review(base_url, 3, 5, 'A classic.') when the server answers 500",
    )
    assert exc.status == 500, f"the ApiError for a 500 answer should have status 500, got {exc.status!r}"


# --- whoami: a request header in, a response header out ------------------------------------


@pytest.mark.points(2, hint="Send headers={'Authorization': f'Bearer {token}'}; the user is in the JSON body.")
def test_whoami_sends_bearer_token(student: ModuleType, library: "LibraryServer") -> None:
    got = run("whoami(base_url, 's3cret-ada')", lambda: student.whoami(library.base_url, "s3cret-ada"))
    assert got == ("ada", 59), f"whoami(base_url, 's3cret-ada') should be ('ada', 59), got {got!r}"
    sent = [seen.headers.get("authorization") for seen in library.requests_to("/me")]
    assert sent == ["Bearer s3cret-ada"], f"the request should carry 'Authorization: Bearer s3cret-ada', got {sent}"


@pytest.mark.points(1, hint="Read response.headers['X-RateLimit-Remaining'] on every call and turn it into an int.")
def test_whoami_reads_rate_limit_header_as_int(student: ModuleType, library: "LibraryServer") -> None:
    library.remaining["grace"] = 7
    first = run("whoami(base_url, 's3cret-grace')", lambda: student.whoami(library.base_url, "s3cret-grace"))
    second = run("whoami(base_url, 's3cret-grace')", lambda: student.whoami(library.base_url, "s3cret-grace"))
    assert (first, second) == (("grace", 6), ("grace", 5)), (
        "two calls should give ('grace', 6) then ('grace', 5), from the X-RateLimit-Remaining header, "
        f"got {first!r} then {second!r}"
    )
    kinds = (type(first[1]).__name__, type(second[1]).__name__)
    assert kinds == ("int", "int"), f"the remaining count should be an int, got {kinds}"


@pytest.mark.points(1, hint="A 401 answer raises AuthError(error, 401), with the server's 'error' text as the message.")
def test_whoami_bad_token_raises_auth_error(student: ModuleType, library: "LibraryServer") -> None:
    for token in ("wrong-token", ""):
        what = f"whoami(base_url, {token!r}) (the server answers 401)"
        exc = expect_raises(student.AuthError, partial(student.whoami, library.base_url, token), what)
        assert exc.status == 401, f"the AuthError should have status 401, got {exc.status!r}"
        server_text = str(exc) == "missing or invalid bearer token"
        assert server_text, (
            f"the message should be the server's error text 'missing or invalid bearer token', got {str(exc)!r}"
        )


@pytest.mark.points(1, hint="Any status but 200 and 401 raises ApiError(message, status): check it before reading the body.")
def test_whoami_other_status_raises_api_error(student: ModuleType, library: "LibraryServer") -> None:
    library.answers["/me"] = (500, {"error": "the user store is down"})
    exc = expect_raises(
        student.ApiError,
        lambda: student.whoami(library.base_url, "s3cret-ada"),
        "whoami(base_url, 's3cret-ada') when the server answers 500",
    )
    assert exc.status == 500, f"the ApiError for a 500 answer should have status 500, got {exc.status!r}"


# --- health: a timeout ---------------------------------------------------------------------


@pytest.mark.points(1, hint="Return the 'status' string of the JSON body, whatever it is.")
def test_health_returns_the_status(student: ModuleType, library: "LibraryServer") -> None:
    library.health_status = "degraded"
    got = run("health(base_url)", lambda: student.health(library.base_url))
    assert got == "degraded", f"health(base_url) should return the server's status 'degraded', got {got!r}"


@pytest.mark.points(
    2, hint="Pass timeout=timeout to requests.get and turn requests.Timeout (a read timeout too) into ApiTimeout."
)
def test_health_times_out(student: ModuleType, library: "LibraryServer") -> None:
    library.health_delay = 2.0
    started = time.monotonic()
    exc = expect_raises(
        student.ApiTimeout,
        lambda: student.health(library.base_url, timeout=0.25),
        "health(base_url, timeout=0.25) when the server takes 2 s",
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"health(timeout=0.25) should give up after about 0.25 s, it took {elapsed:.2f} s"
    assert exc.status is None, f"an ApiTimeout has no answer, so its status should be None, got {exc.status!r}"


@pytest.mark.points(1, hint="Use the timeout you are given, not a fixed one: a server that answers in time is fine.")
def test_health_waits_as_long_as_the_timeout_allows(student: ModuleType, library: "LibraryServer") -> None:
    library.health_delay = 0.4
    got = run("health(base_url, timeout=1.5) when the server takes 0.4 s", lambda: student.health(library.base_url, timeout=1.5))
    assert got == "ok", f"health(base_url, timeout=1.5) should return 'ok' from a server that takes 0.4 s, got {got!r}"


@pytest.mark.points(1, hint="Check the status code: any answer but 200 raises ApiError(message, status).")
def test_health_error_status_raises_api_error(student: ModuleType, library: "LibraryServer") -> None:
    library.answers["/health"] = (503, {"error": "shutting down"})
    exc = expect_raises(student.ApiError, lambda: student.health(library.base_url), "health(base_url) when the server answers 503")
    assert exc.status == 503, f"the ApiError for a 503 answer should have status 503, got {exc.status!r}"


# --- get_report: retries -------------------------------------------------------------------


@pytest.mark.points(1, hint="A 200 answer at once: return its JSON body after one request.")
def test_get_report_returns_the_json_body(student: ModuleType, library: "LibraryServer") -> None:
    got = run("get_report(base_url)", lambda: student.get_report(library.base_url))
    expected = {"books": 8, "reviews": 0, "busiest_author": LE_GUIN}
    assert got == expected, f"get_report(base_url) should return {expected!r}, got {got!r}"
    count = len(library.requests_to("/report"))
    assert count == 1, f"a 200 answer needs one request, the server got {count}"


@pytest.mark.points(2, hint="On 503, try again: `attempts` counts every request, the first one too.")
def test_get_report_retries_503_until_success(student: ModuleType, library: "LibraryServer") -> None:
    library.report_plan = [503, 503]
    got = run(
        "get_report(base_url, attempts=3, delay=0) after two 503s",
        lambda: student.get_report(library.base_url, attempts=3, delay=0),
    )
    expected = {"books": 8, "reviews": 0, "busiest_author": LE_GUIN}
    assert got == expected, f"get_report should return {expected!r} on the third attempt, got {got!r}"
    count = len(library.requests_to("/report"))
    assert count == 3, f"two 503s then a 200 should take exactly 3 requests, the server got {count}"


@pytest.mark.points(2, hint="Stop after exactly `attempts` requests and raise ServiceUnavailable(message, 503).")
def test_get_report_gives_up_after_the_attempts(student: ModuleType, library: "LibraryServer") -> None:
    library.report_plan = [503] * 6
    exc = expect_raises(
        student.ServiceUnavailable,
        lambda: student.get_report(library.base_url, attempts=3, delay=0),
        "get_report(attempts=3) when the server always answers 503",
    )
    assert exc.status == 503, f"the ServiceUnavailable should have status 503, got {exc.status!r}"
    count = len(library.requests_to("/report"))
    assert count == 3, f"get_report(attempts=3) should send exactly 3 requests, the server got {count}"
    expect_raises(
        student.ServiceUnavailable,
        lambda: student.get_report(library.base_url, attempts=1, delay=0),
        "get_report(attempts=1) when the server answers 503",
    )
    count = len(library.requests_to("/report"))
    assert count == 4, f"get_report(attempts=1) should send exactly 1 request, the server got {count - 3}"
    library.report_plan = [503] * 6
    before = len(library.requests_to("/report"))
    expect_raises(
        student.ServiceUnavailable,
        lambda: student.get_report(library.base_url),
        "get_report(base_url) (attempts=3 by default) when the server always answers 503",
    )
    count = len(library.requests_to("/report")) - before
    assert count == 3, f"get_report(base_url) should try 3 times by default (attempts: int = 3), the server got {count}"


@pytest.mark.points(2, hint="Only 503 is retried: any other error status raises ApiError(message, status) at once.")
def test_get_report_does_not_retry_other_errors(student: ModuleType, library: "LibraryServer") -> None:
    library.report_plan = [500, 500, 500]
    exc = expect_raises(
        student.ApiError,
        lambda: student.get_report(library.base_url, attempts=3, delay=0),
        "get_report when the server answers 500",
    )
    kind = type(exc).__name__
    assert kind == "ApiError", f"a 500 answer should raise a plain ApiError, got {kind}"
    assert exc.status == 500, f"the ApiError should have status 500, got {exc.status!r}"
    count = len(library.requests_to("/report"))
    assert count == 1, f"a 500 answer should not be retried: expected 1 request, the server got {count}"


@pytest.mark.points(1, hint="time.sleep(delay) before each retry.")
def test_get_report_waits_between_attempts(student: ModuleType, library: "LibraryServer") -> None:
    library.report_plan = [503, 503]
    run("get_report(base_url, attempts=3, delay=0.2)", lambda: student.get_report(library.base_url, attempts=3, delay=0.2))
    times = [seen.at for seen in library.requests_to("/report")]
    gaps = [round(later - earlier, 3) for earlier, later in pairwise(times)]
    assert len(gaps) == 2 and min(gaps) >= 0.15, f"with delay=0.2 the 3 requests should be about 0.2 s apart, got gaps {gaps} s"


@pytest.mark.points(1, hint="Sleep only before a retry: after the last attempt's 503, raise ServiceUnavailable at once.")
def test_get_report_does_not_wait_after_the_last_attempt(student: ModuleType, library: "LibraryServer") -> None:
    library.report_plan = [503] * 3
    expect_raises(
        student.ServiceUnavailable,
        lambda: student.get_report(library.base_url, attempts=2, delay=1.0),
        "get_report(attempts=2, delay=1.0) when the server always answers 503",
    )
    raised_at = time.monotonic()
    times = [seen.at for seen in library.requests_to("/report")]
    assert len(times) == 2, f"get_report(attempts=2) should send exactly 2 requests, the server got {len(times)}"
    waited = raised_at - times[-1]
    assert waited < 0.5, (
        f"after the last attempt's 503 get_report should raise at once, but it waited {waited:.2f} s (delay was 1.0 s)"
    )


@pytest.mark.points(1, hint="Raise ValueError when attempts < 1, before sending anything.")
def test_get_report_rejects_attempts_below_1(student: ModuleType, library: "LibraryServer") -> None:
    expect_raises(ValueError, lambda: student.get_report(library.base_url, attempts=0), "get_report(base_url, attempts=0)")
    count = len(library.requests_to("/report"))
    assert count == 0, f"get_report(attempts=0) should send no request, the server got {count}"


# --- XML: parse_catalog and fetch_catalog --------------------------------------------------


@pytest.mark.points(
    2,
    hint="ET.fromstring(xml_text); per <book>: int(its id attribute), the texts of <title> and <author>, int(<year>), the tags.",
)
def test_parse_catalog_reads_books(student: ModuleType) -> None:
    xml_text = (
        '<catalog><book id="1"><title>A Wizard of Earthsea</title><author>Ursula K. Le Guin</author>'
        "<year>1968</year><tags><tag>fantasy</tag><tag>classic</tag></tags></book>"
        '<book id="12"><title>Dune</title><author>Frank Herbert</author><year>1965</year>'
        "<tags><tag>sf</tag></tags></book></catalog>"
    )
    got = run("parse_catalog(...)", lambda: student.parse_catalog(xml_text))
    expected = [
        {"id": 1, "title": "A Wizard of Earthsea", "author": "Ursula K. Le Guin", "year": 1968, "tags": ["fantasy", "classic"]},
        {"id": 12, "title": "Dune", "author": "Frank Herbert", "year": 1965, "tags": ["sf"]},
    ]
    assert got == expected, f"parse_catalog should give {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="A book without <year> has year None; an empty or missing <tags> gives [].")
def test_parse_catalog_missing_year_and_empty_tags(student: ModuleType) -> None:
    xml_text = (
        '<catalog><book id="6"><title>Solaris</title><author>Stanisław Lem</author><tags/></book>'
        '<book id="7"><title>Untitled</title><author>Anon</author><year>2001</year></book></catalog>'
    )
    got = run("parse_catalog(...) with a book without <year>", lambda: student.parse_catalog(xml_text))
    expected = [
        {"id": 6, "title": "Solaris", "author": "Stanisław Lem", "year": None, "tags": []},
        {"id": 7, "title": "Untitled", "author": "Anon", "year": 2001, "tags": []},
    ]
    assert got == expected, f"parse_catalog should give {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Find children by name (book.find('title')), not by position: they may come in any order.")
def test_parse_catalog_children_in_any_order(student: ModuleType) -> None:
    xml_text = (
        '<catalog>\n  <book id="5">\n    <tags><tag>comic</tag></tags>\n    <year>1990</year>\n'
        "    <author>Terry Pratchett &amp; Neil Gaiman</author>\n    <title>Good Omens</title>\n  </book>\n</catalog>\n"
    )
    got = run("parse_catalog(...) with children in another order", lambda: student.parse_catalog(xml_text))
    expected = [{"id": 5, "title": "Good Omens", "author": "Terry Pratchett & Neil Gaiman", "year": 1990, "tags": ["comic"]}]
    assert got == expected, f"parse_catalog should give {expected!r}, got {got!r}"


@pytest.mark.points(
    2, hint="Ask for XML with headers={'Accept': 'application/xml'}, then parse response.text with parse_catalog."
)
def test_fetch_catalog_asks_for_xml(student: ModuleType, library: "LibraryServer") -> None:
    library.catalog_xml = CATALOG_XML
    library.catalog_json = {"books": CATALOG}
    got = run("fetch_catalog(base_url)", lambda: student.fetch_catalog(library.base_url))
    accepts = [seen.headers.get("accept", "") for seen in library.requests_to("/catalog")]
    assert len(accepts) == 1 and "application/xml" in accepts[0], (
        f"fetch_catalog should send one GET /catalog with 'Accept: application/xml', got Accept headers {accepts}"
    )
    assert got == CATALOG, f"fetch_catalog(base_url) should give {CATALOG!r}, got {got!r}"


@pytest.mark.points(1, hint="Check the status code before parsing: any answer but 200 raises ApiError(message, status).")
def test_fetch_catalog_error_status_raises_api_error(student: ModuleType, library: "LibraryServer") -> None:
    library.answers["/catalog"] = (500, {"error": "the catalog is being rebuilt"})
    exc = expect_raises(
        student.ApiError, lambda: student.fetch_catalog(library.base_url), "fetch_catalog(base_url) when the server answers 500"
    )
    assert exc.status == 500, f"the ApiError for a 500 answer should have status 500, got {exc.status!r}"


# --- json_to_xml: JSON in, checked, XML out ------------------------------------------------


@pytest.mark.points(
    2,
    hint="Build the tree with ET.Element / ET.SubElement: <book id=...> with <title>, <author>, <year> unless null, and <tags>.",
)
def test_json_to_xml_round_trips(student: ModuleType) -> None:
    books = [
        {"id": 3, "title": "Dune", "author": "Frank Herbert", "year": 1965, "tags": ["sf", "classic"], "isbn": "0441013597"},
        {"id": 6, "title": "Solaris", "author": "Stanisław Lem", "year": None, "tags": ["sf"]},
        {"id": 8, "title": "Kindred", "author": "Octavia E. Butler"},
    ]
    xml_text = run("json_to_xml(...)", lambda: student.json_to_xml(json.dumps(books)))
    got = read_catalog(xml_text)
    expected = [
        {"id": 3, "title": "Dune", "author": "Frank Herbert", "year": 1965, "tags": ["sf", "classic"]},
        {"id": 6, "title": "Solaris", "author": "Stanisław Lem", "year": None, "tags": ["sf"]},
        {"id": 8, "title": "Kindred", "author": "Octavia E. Butler", "year": None, "tags": []},
    ]
    assert got == expected, f"json_to_xml's XML should read back as {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Return text, not bytes: ET.tostring(root, encoding='unicode').")
def test_json_to_xml_returns_text(student: ModuleType) -> None:
    got = run("json_to_xml('[]')", lambda: student.json_to_xml("[]"))
    assert isinstance(got, str), f"json_to_xml('[]') should return a str, got {type(got).__name__} {got!r}"
    assert read_catalog(got) == [], f"json_to_xml('[]') should be an empty <catalog/>, got {got!r}"


@pytest.mark.points(
    1, hint="Let ElementTree write the text so that '&', '<' and quotes are escaped; never build XML with f-strings."
)
def test_json_to_xml_escapes_special_characters(student: ModuleType) -> None:
    books = [{"id": 1, "title": "Tom & Jerry <Special>", "author": 'Zoë "Q" O\'Neil', "year": 2020, "tags": ["a&b", "<x>"]}]
    xml_text = run("json_to_xml(...) with '&' and '<' in the text", lambda: student.json_to_xml(json.dumps(books)))
    got = read_catalog(xml_text)
    assert got == books, f"json_to_xml's XML should read back as {books!r}, got {got!r}"


@pytest.mark.points(1, hint="ValueError when the text is not JSON, when it is not a list, or when an item is not an object.")
def test_json_to_xml_rejects_wrong_top_level(student: ModuleType) -> None:
    for text in ("not json", '{"id": 1, "title": "Dune", "author": "Frank Herbert"}', "[1, 2]"):
        expect_raises(ValueError, partial(student.json_to_xml, text), f"json_to_xml({text!r})")


@pytest.mark.points(
    2,
    hint="Check every field (id int; title, author non-blank text; year int or null; tags list of str); name it in the error.",
)
def test_json_to_xml_rejects_bad_fields(student: ModuleType) -> None:
    good = {"id": 1, "title": "Dune", "author": "Frank Herbert", "year": 1965, "tags": ["sf"]}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("id", {**good, "id": "1"}),
        ("title", {key: value for key, value in good.items() if key != "title"}),
        ("title", {**good, "title": "   "}),
        ("author", {**good, "author": 42}),
        ("author", {**good, "author": ""}),
        ("id", {key: value for key, value in good.items() if key != "id"}),
        ("year", {**good, "year": "1965"}),
        ("tags", {**good, "tags": "sf"}),
        ("tags", {**good, "tags": ["sf", 7]}),
    ]
    for field, book in cases:
        text = json.dumps([good, book])
        exc = expect_raises(ValueError, partial(student.json_to_xml, text), f"json_to_xml with the second book {book!r}")
        assert mentions(str(exc), field), f"the ValueError for {book!r} should name the field {field!r}, got {str(exc)!r}"


@pytest.mark.points(1, hint="JSON true/false are not integers, but isinstance(True, int) is True in Python: rule bools out.")
def test_json_to_xml_rejects_booleans_as_integers(student: ModuleType) -> None:
    good = {"id": 1, "title": "Dune", "author": "Frank Herbert"}
    for field, book in [("year", {**good, "year": True}), ("id", {**good, "id": False})]:
        text = json.dumps([book])
        exc = expect_raises(ValueError, partial(student.json_to_xml, text), f"json_to_xml({text!r})")
        assert mentions(str(exc), field), f"the ValueError for {book!r} should name the field {field!r}, got {str(exc)!r}"
