"""A client for the Library API: HTTP with `requests`, JSON bodies, headers, timeouts,
retries, and an XML catalog read and written with `xml.etree.ElementTree`.

Fill in the functions below; README.md says exactly what each must do. The error classes
are written for you: raise them, do not rename them.
"""

# Everything you need is imported already; the unused ones wait for your code.
import json  # noqa: F401
import time  # noqa: F401
import xml.etree.ElementTree as ET  # noqa: F401
from typing import Any

import requests  # noqa: F401

# --- the errors the client raises (already written) --------------------------------------


class ApiError(Exception):
    """The API answered with an error status, or did not answer at all.

    `status` is the HTTP status code of the answer, or None when there was no answer.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFoundError(ApiError):
    """404: the thing asked for does not exist."""


class ValidationError(ApiError):
    """400: the server refused the data; `field` names the field it refused (or None)."""

    def __init__(self, message: str, field: str | None = None, status: int | None = 400) -> None:
        super().__init__(message, status)
        self.field = field


class AuthError(ApiError):
    """401: the token is missing or wrong."""


class ApiTimeout(ApiError):
    """The server did not answer within the timeout."""


class ServiceUnavailable(ApiError):
    """The server still answered 503 after every attempt."""


# --- JSON over HTTP ----------------------------------------------------------------------


def find_books(base_url: str, author: str, limit: int = 10) -> list[str]:
    """Titles of `author`'s books, at most `limit`, in the order the server lists them."""
    raise NotImplementedError("find_books: GET /books with the query parameters author and limit")


def add_review(base_url: str, book_id: int, stars: int, text: str) -> dict[str, Any]:
    """POST a review as JSON; return the created review (201) or raise the matching error."""
    raise NotImplementedError("add_review: POST /books/{book_id}/reviews with a JSON body")


# --- headers -----------------------------------------------------------------------------


def whoami(base_url: str, token: str) -> tuple[str, int]:
    """(user name, requests left) for a bearer token: GET /me."""
    raise NotImplementedError("whoami: GET /me with an Authorization header")


# --- timeouts and retries ----------------------------------------------------------------


def health(base_url: str, timeout: float = 1.0) -> str:
    """The server's status from GET /health; ApiTimeout when it takes longer than `timeout` s."""
    raise NotImplementedError("health: GET /health with a timeout")


def get_report(base_url: str, attempts: int = 3, delay: float = 0.1) -> dict[str, Any]:
    """GET /report, trying up to `attempts` times while the server answers 503."""
    raise NotImplementedError("get_report: GET /report, retrying on 503")


# --- XML ---------------------------------------------------------------------------------


def parse_catalog(xml_text: str) -> list[dict[str, Any]]:
    """The books of a <catalog> XML document, in document order, as plain dicts."""
    raise NotImplementedError("parse_catalog: read the XML with ET.fromstring")


def fetch_catalog(base_url: str) -> list[dict[str, Any]]:
    """GET /catalog as XML (Accept: application/xml) and parse it with parse_catalog."""
    raise NotImplementedError("fetch_catalog: GET /catalog asking for XML")


def json_to_xml(json_text: str) -> str:
    """A JSON list of books as a <catalog> XML document (a str), checking the JSON's shape."""
    raise NotImplementedError("json_to_xml: json.loads, check the shape, build the XML tree")
