"""A client for the Library API: HTTP with `requests`, JSON bodies, headers, timeouts,
retries, and an XML catalog read and written with `xml.etree.ElementTree`.

Every function that talks to the server takes the server's `base_url` first,
for example "http://127.0.0.1:8000" (no slash at the end).
"""

import json
import time
import xml.etree.ElementTree as ET
from typing import Any

import requests

# --- the errors the client raises --------------------------------------------------------


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


# --- helpers -----------------------------------------------------------------------------


def _json_object(response: requests.Response) -> dict[str, Any]:
    """The answer's body when it is a JSON object, else {}."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_message(response: requests.Response) -> str:
    """The `error` text of a JSON error body, or the status line when there is none."""
    error = _json_object(response).get("error")
    return error if isinstance(error, str) else f"{response.status_code} {response.reason}"


def _unexpected(response: requests.Response) -> ApiError:
    """An ApiError for an answer the function did not expect."""
    return ApiError(_error_message(response), response.status_code)


# --- JSON over HTTP ----------------------------------------------------------------------


def find_books(base_url: str, author: str, limit: int = 10) -> list[str]:
    """Titles of `author`'s books, at most `limit`, in the order the server lists them.

    GET /books?author=...&limit=...; any answer but 200 raises ApiError.
    """
    params: dict[str, str | int] = {"author": author, "limit": limit}
    response = requests.get(f"{base_url}/books", params=params, timeout=5)
    if response.status_code != 200:
        raise _unexpected(response)
    return [book["title"] for book in response.json()["results"]]


def add_review(base_url: str, book_id: int, stars: int, text: str) -> dict[str, Any]:
    """POST a review of book `book_id` as JSON and return the review the server created.

    201 -> the created review; 400 -> ValidationError (with the server's `field`);
    404 -> NotFoundError; anything else -> ApiError.
    """
    response = requests.post(
        f"{base_url}/books/{book_id}/reviews",
        json={"stars": stars, "text": text},
        timeout=5,
    )
    if response.status_code == 201:
        created: dict[str, Any] = response.json()
        return created
    if response.status_code == 400:
        raise ValidationError(_error_message(response), _json_object(response).get("field"), 400)
    if response.status_code == 404:
        raise NotFoundError(_error_message(response), 404)
    raise _unexpected(response)


# --- headers -----------------------------------------------------------------------------


def whoami(base_url: str, token: str) -> tuple[str, int]:
    """(user name, requests left) for a bearer token: GET /me.

    The user comes from the JSON body, the count from the X-RateLimit-Remaining header.
    401 -> AuthError; anything else but 200 -> ApiError.
    """
    response = requests.get(f"{base_url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    if response.status_code == 401:
        raise AuthError(_error_message(response), 401)
    if response.status_code != 200:
        raise _unexpected(response)
    return response.json()["user"], int(response.headers["X-RateLimit-Remaining"])


# --- timeouts and retries ----------------------------------------------------------------


def health(base_url: str, timeout: float = 1.0) -> str:
    """The server's status from GET /health; ApiTimeout when it takes longer than `timeout` s."""
    try:
        response = requests.get(f"{base_url}/health", timeout=timeout)
    except requests.Timeout as exc:
        raise ApiTimeout(f"no answer from {base_url}/health within {timeout} s", None) from exc
    if response.status_code != 200:
        raise _unexpected(response)
    status: str = response.json()["status"]
    return status


def get_report(base_url: str, attempts: int = 3, delay: float = 0.1) -> dict[str, Any]:
    """GET /report, trying up to `attempts` times while the server answers 503.

    Waits `delay` seconds before each retry. Still 503 on the last attempt -> ServiceUnavailable;
    any other error status -> ApiError at once, without retrying. `attempts < 1` -> ValueError.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for attempt in range(1, attempts + 1):
        response = requests.get(f"{base_url}/report", timeout=5)
        if response.status_code == 200:
            report: dict[str, Any] = response.json()
            return report
        if response.status_code != 503:
            raise _unexpected(response)
    raise ServiceUnavailable(f"/report still unavailable after {attempts} attempt(s)", 503)


# --- XML ---------------------------------------------------------------------------------


def parse_catalog(xml_text: str) -> list[dict[str, Any]]:
    """The books of a <catalog> document, in document order, as plain dicts."""
    root = ET.fromstring(xml_text)
    books: list[dict[str, Any]] = []
    for element in root.findall("book"):
        year = element.findtext("year")
        books.append(
            {
                "id": int(element.attrib["id"]),
                "title": element.findtext("title", ""),
                "author": element.findtext("author", ""),
                "year": int(year) if year is not None else None,
                "tags": [tag.text or "" for tag in element.findall("tags/tag")],
            }
        )
    return books


def fetch_catalog(base_url: str) -> list[dict[str, Any]]:
    """GET /catalog as XML (Accept: application/xml) and parse it with parse_catalog."""
    response = requests.get(f"{base_url}/catalog", headers={"Accept": "application/xml"}, timeout=5)
    if response.status_code != 200:
        raise _unexpected(response)
    return parse_catalog(response.text)


def _is_int(value: object) -> bool:
    """A JSON integer: an int that is not a bool (True is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> bool:
    """A string with at least one non-whitespace character."""
    return isinstance(value, str) and value.strip() != ""


def _check_book(index: int, book: object) -> dict[str, Any]:
    """The book's fields, checked; ValueError naming the first field that is wrong."""
    if not isinstance(book, dict):
        raise ValueError(f"book {index}: must be a JSON object, got {type(book).__name__}")
    if not _is_int(book.get("id")):
        raise ValueError(f"book {index}: 'id' must be an integer")
    for field in ("title", "author"):
        if not _is_text(book.get(field)):
            raise ValueError(f"book {index}: '{field}' must be a non-blank string")
    year = book.get("year")
    if year is not None and not _is_int(year):
        raise ValueError(f"book {index}: 'year' must be an integer or null")
    tags = book.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"book {index}: 'tags' must be a list of strings")
    return {"id": book["id"], "title": book["title"], "author": book["author"], "year": year, "tags": tags}


def json_to_xml(json_text: str) -> str:
    """A JSON list of books as a <catalog> XML document (a str), checking the JSON's shape."""
    data = json.loads(json_text)  # json.JSONDecodeError is a ValueError
    if not isinstance(data, list):
        raise ValueError(f"the JSON must be a list of books, got {type(data).__name__}")
    books = [_check_book(index, item) for index, item in enumerate(data)]
    root = ET.Element("catalog")
    for book in books:
        element = ET.SubElement(root, "book", id=str(book["id"]))
        ET.SubElement(element, "title").text = book["title"]
        ET.SubElement(element, "author").text = book["author"]
        if book["year"] is not None:
            ET.SubElement(element, "year").text = str(book["year"])
        tags = ET.SubElement(element, "tags")
        for tag in book["tags"]:
            ET.SubElement(tags, "tag").text = tag
    return ET.tostring(root, encoding="unicode")
