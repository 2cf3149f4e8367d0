"""A real Library API server for the 02_http_json hidden suite.

Each test that asks for the `library` fixture gets a fresh server: a `ThreadingHTTPServer`
on 127.0.0.1 with a port the OS picks, serving from a thread, shut down after the test.
The server keeps every request it receives (`library.seen`) so that tests can check what the
student's code sent, and tests steer it through plain attributes (`health_delay`,
`report_plan`, `catalog_xml`, `answers`, ...). The `student` fixture (the imported submission) comes
from the grader.
"""

import copy
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

BOOKS: list[dict[str, Any]] = [
    {"id": 1, "title": "A Wizard of Earthsea", "author": "Ursula K. Le Guin", "year": 1968},
    {"id": 2, "title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin", "year": 1969},
    {"id": 3, "title": "Dune", "author": "Frank Herbert", "year": 1965},
    {"id": 4, "title": "The Dispossessed", "author": "Ursula K. Le Guin", "year": 1974},
    {"id": 5, "title": "Good Omens", "author": "Terry Pratchett & Neil Gaiman", "year": 1990},
    {"id": 6, "title": "Solaris", "author": "Stanisław Lem", "year": 1961},
    {"id": 7, "title": "The Tombs of Atuan", "author": "Ursula K. Le Guin", "year": 1971},
    {"id": 8, "title": "The Lathe of Heaven", "author": "Ursula K. Le Guin", "year": 1971},
]

TOKENS = {"s3cret-ada": "ada", "s3cret-grace": "grace"}
QUOTA = 60  # X-RateLimit-Remaining before a user's first request


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic() when it arrived

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    library: "LibraryServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that gave up (a timeout) leaves a broken pipe behind, as expected."""


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        self.server.library.handle(self, "GET")

    def do_POST(self) -> None:
        self.server.library.handle(self, "POST")

    def do_PUT(self) -> None:
        self.server.library.handle(self, "PUT")

    def do_PATCH(self) -> None:
        self.server.library.handle(self, "PATCH")

    def do_DELETE(self) -> None:
        self.server.library.handle(self, "DELETE")


class LibraryServer:
    """The Library API the README describes, with knobs for the tests."""

    def __init__(self) -> None:
        self.books: dict[int, dict[str, Any]] = {book["id"]: dict(book) for book in copy.deepcopy(BOOKS)}
        self.reviews: list[dict[str, Any]] = []
        self.remaining = {user: QUOTA for user in TOKENS.values()}
        self.health_delay = 0.0  # seconds /health waits before it answers
        self.health_status = "ok"
        self.report_plan: list[int] = []  # statuses /report answers, one per request, before a 200
        self.catalog_xml = "<catalog/>"  # what /catalog serves to a client that accepts XML
        self.catalog_json: dict[str, Any] = {"books": []}  # ... and to any other client
        # path -> (status, JSON body): answered instead of the normal route, e.g. a 500 for /me
        self.answers: dict[str, tuple[int, Any]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.library = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # wakes a /health that is still sleeping
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)

    def requests_to(self, path: str) -> list[Seen]:
        """Every request received for `path` (without its query string), oldest first."""
        with self._lock:
            return [seen for seen in self.seen if seen.path == path]

    # --- the protocol side ---------------------------------------------------------------

    def handle(self, handler: _Handler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        seen = Seen(
            method=method,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
            at=time.monotonic(),
        )
        with self._lock:
            self.seen.append(seen)
        status, payload, headers = self.route(seen)
        if isinstance(payload, str):
            data = payload.encode()
            headers.setdefault("Content-Type", "application/xml; charset=utf-8")
        else:
            data = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/json")
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def route(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if seen.path in self.answers:
            status, payload = self.answers[seen.path]
            return status, copy.deepcopy(payload), {}
        review_path = re.fullmatch(r"/books/(\d+)/reviews", seen.path)
        routes: dict[str, str] = {
            "/books": "GET",
            "/me": "GET",
            "/health": "GET",
            "/report": "GET",
            "/catalog": "GET",
        }
        if review_path:
            if seen.method != "POST":
                return 405, {"error": "method not allowed"}, {"Allow": "POST"}
            return self.add_review(int(review_path.group(1)), seen)
        if seen.path not in routes:
            return 404, {"error": f"no such endpoint: {seen.path}"}, {}
        if seen.method != routes[seen.path]:
            return 405, {"error": "method not allowed"}, {"Allow": routes[seen.path]}
        handlers = {
            "/books": self.list_books,
            "/me": self.me,
            "/health": self.health,
            "/report": self.report,
            "/catalog": self.catalog,
        }
        return handlers[seen.path](seen)

    def list_books(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        author = seen.query.get("author", [None])[-1]
        limit_text = seen.query.get("limit", ["20"])[-1]
        if not re.fullmatch(r"\d+", limit_text) or not 1 <= int(limit_text) <= 50:
            return 400, {"error": "limit must be an integer from 1 to 50", "field": "limit"}, {}
        with self._lock:
            found = [dict(book) for book in self.books.values() if author is None or book["author"] == author]
        return 200, {"count": len(found), "results": found[: int(limit_text)]}, {}

    def add_review(self, book_id: int, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            if book_id not in self.books:
                return 404, {"error": f"no book with id {book_id}"}, {}
        body = seen.json() if seen.headers.get("content-type", "").startswith("application/json") else None
        if not isinstance(body, dict):
            return 400, {"error": "the body must be a JSON object (Content-Type: application/json)", "field": None}, {}
        stars = body.get("stars")
        if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
            return 400, {"error": "stars must be an integer from 1 to 5", "field": "stars"}, {}
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return 400, {"error": "text must be a non-empty string", "field": "text"}, {}
        with self._lock:
            review = {"id": len(self.reviews) + 1, "book_id": book_id, "stars": stars, "text": text}
            self.reviews.append(review)
        return 201, dict(review), {"Location": f"/books/{book_id}/reviews/{review['id']}"}

    def me(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        scheme, _, token = seen.headers.get("authorization", "").partition(" ")
        user = TOKENS.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return 401, {"error": "missing or invalid bearer token"}, {"WWW-Authenticate": "Bearer"}
        with self._lock:
            self.remaining[user] -= 1
            left = self.remaining[user]
        return 200, {"user": user, "scopes": ["read", "review"]}, {"X-RateLimit-Remaining": str(left)}

    def health(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if self.health_delay:
            self._stopping.wait(self.health_delay)
        return 200, {"status": self.health_status}, {}

    def report(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            status = self.report_plan.pop(0) if self.report_plan else 200
            books, reviews = len(self.books), len(self.reviews)
        if status == 503:
            return 503, {"error": "busy, try again"}, {"Retry-After": "0"}
        if status != 200:
            return status, {"error": f"report failed with {status}"}, {}
        return 200, {"books": books, "reviews": reviews, "busiest_author": "Ursula K. Le Guin"}, {}

    def catalog(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if "application/xml" in seen.headers.get("accept", ""):
            return 200, self.catalog_xml, {}
        return 200, copy.deepcopy(self.catalog_json), {}


@pytest.fixture
def library() -> Iterator[LibraryServer]:
    """A fresh Library API server on 127.0.0.1 and a free port, stopped after the test."""
    server = LibraryServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
