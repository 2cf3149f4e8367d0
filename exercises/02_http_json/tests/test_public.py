"""Public tests for 02_http_json. Run `pytest` in this exercise's folder.

They start a small Library API of their own (a `ThreadingHTTPServer` on 127.0.0.1 and a free
port) and show the shape of the hidden suite, which checks much more (query strings, headers,
every error, the timeout, the retry count and delay, XML and JSON edge cases).
They fail until client.py is written.
"""

import json
import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find client.py next to tests/

import client

BOOKS = [
    {"id": 1, "title": "A Wizard of Earthsea", "author": "Ursula K. Le Guin", "year": 1968},
    {"id": 2, "title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin", "year": 1969},
    {"id": 3, "title": "Dune", "author": "Frank Herbert", "year": 1965},
    {"id": 4, "title": "The Dispossessed", "author": "Ursula K. Le Guin", "year": 1974},
]


class MiniLibrary(ThreadingHTTPServer):
    """Just enough of the Library API for these tests; `paths` lists the paths requested."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), MiniHandler)
        self.paths: list[str] = []
        self.report_plan: list[int] = []  # statuses /report answers before its 200
        self.reviews = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class MiniHandler(BaseHTTPRequestHandler):
    server: MiniLibrary

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.server.paths.append(url.path)
        if url.path == "/books":
            query = parse_qs(url.query)
            author, limit = query.get("author", [""])[0], int(query.get("limit", ["20"])[0])
            found = [book for book in BOOKS if book["author"] == author]
            self.reply(200, {"count": len(found), "results": found[:limit]})
        elif url.path == "/report":
            status = self.server.report_plan.pop(0) if self.server.report_plan else 200
            self.reply(status, {"books": len(BOOKS), "reviews": 0} if status == 200 else {"error": "busy"})
        else:
            self.reply(404, {"error": "no such endpoint"})

    def do_POST(self) -> None:
        self.server.paths.append(self.path)
        match = re.fullmatch(r"/books/(\d+)/reviews", self.path)
        book_id = int(match.group(1)) if match else 0
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
        if all(book["id"] != book_id for book in BOOKS):
            self.reply(404, {"error": f"no book with id {book_id}"})
        elif not isinstance(body, dict) or body.get("stars") not in range(1, 6):
            self.reply(400, {"error": "stars must be an integer from 1 to 5", "field": "stars"})
        else:
            self.server.reviews += 1
            self.reply(201, {"id": self.server.reviews, "book_id": book_id, **body})


@pytest.fixture
def library() -> Iterator[MiniLibrary]:
    server = MiniLibrary()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_find_books(library: MiniLibrary) -> None:
    got = client.find_books(library.base_url, "Ursula K. Le Guin", limit=2)
    expected = ["A Wizard of Earthsea", "The Left Hand of Darkness"]
    assert got == expected, f"find_books(..., limit=2) should be {expected!r}, got {got!r}"
    assert client.find_books(library.base_url, "Nobody") == [], "an author with no books should give []"


def test_add_review_created_and_errors(library: MiniLibrary) -> None:
    got = client.add_review(library.base_url, 3, 5, "A classic.")
    expected = {"id": 1, "book_id": 3, "stars": 5, "text": "A classic."}
    assert got == expected, f"add_review should return the created review {expected!r}, got {got!r}"
    with pytest.raises(client.NotFoundError) as not_found:
        client.add_review(library.base_url, 99, 5, "Great.")
    assert not_found.value.status == 404, f"status should be 404, got {not_found.value.status!r}"
    with pytest.raises(client.ValidationError) as invalid:
        client.add_review(library.base_url, 3, 6, "Hmm.")
    assert invalid.value.field == "stars", f"field should be 'stars', got {invalid.value.field!r}"


def test_get_report_retries_on_503(library: MiniLibrary) -> None:
    library.report_plan = [503, 503]
    got = client.get_report(library.base_url, attempts=3, delay=0)
    assert got == {"books": 4, "reviews": 0}, f"get_report should return the report, got {got!r}"
    assert library.paths.count("/report") == 3, f"two 503s and a 200 take 3 requests, got {library.paths}"
    library.report_plan = [503, 503, 503]
    with pytest.raises(client.ServiceUnavailable):
        client.get_report(library.base_url, attempts=2, delay=0)
    assert library.paths.count("/report") == 5, f"attempts=2 should send 2 more requests, got {library.paths}"


def test_parse_catalog() -> None:
    xml_text = """<catalog>
      <book id="3"><title>Dune</title><author>Frank Herbert</author><year>1965</year>
        <tags><tag>sf</tag><tag>classic</tag></tags></book>
      <book id="6"><author>Stanisław Lem</author><title>Solaris</title><tags/></book>
    </catalog>"""
    got = client.parse_catalog(xml_text)
    expected = [
        {"id": 3, "title": "Dune", "author": "Frank Herbert", "year": 1965, "tags": ["sf", "classic"]},
        {"id": 6, "title": "Solaris", "author": "Stanisław Lem", "year": None, "tags": []},
    ]
    assert got == expected, f"parse_catalog should give {expected!r}, got {got!r}"
