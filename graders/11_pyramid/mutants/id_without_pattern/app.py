"""A bookmarks API on Pyramid: routes with placeholders, views with predicates, JSON errors, a tween.

`make_app()` builds a new WSGI application with its own, empty store every time it is called.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPConflict, HTTPNotFound
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

Bookmark = dict[str, Any]
Handler = Callable[[Request], Response]


class Store:
    """The bookmarks of one application, by id."""

    def __init__(self) -> None:
        self.bookmarks: dict[int, Bookmark] = {}
        self.next_id = 1

    def all(self) -> list[Bookmark]:
        return [self.bookmarks[key] for key in sorted(self.bookmarks)]

    def add(self, url: str, title: str, tags: list[str]) -> Bookmark:
        bookmark: Bookmark = {"id": self.next_id, "url": url, "title": title, "tags": tags}
        self.bookmarks[self.next_id] = bookmark
        self.next_id += 1
        return bookmark


def store_of(request: Request) -> Store:
    return request.registry.bookmarks  # type: ignore[no-any-return]


def error(exc_class: type[HTTPBadRequest] | type[HTTPNotFound] | type[HTTPConflict], message: str) -> Response:
    """An HTTP exception whose body is JSON {"error": message}: raise it from a view."""
    return exc_class(json_body={"error": message})


def validated(data: object) -> tuple[str, str, list[str]]:
    """(url, title, tags) from a POSTed body; HTTPBadRequest (JSON) when something is wrong."""
    if not isinstance(data, dict):
        raise error(HTTPBadRequest, "the body must be a JSON object")
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise error(HTTPBadRequest, "url must be a string starting with http:// or https://")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise error(HTTPBadRequest, "title must be a non-blank string")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        raise error(HTTPBadRequest, "tags must be a list of non-blank strings")
    return url, title, tags


def list_bookmarks(request: Request) -> dict[str, Any]:
    return {"bookmarks": store_of(request).all()}


def create_bookmark(request: Request) -> Bookmark:
    try:
        data = request.json_body
    except ValueError:
        raise error(HTTPBadRequest, "the body must be JSON") from None
    url, title, tags = validated(data)
    store = store_of(request)
    if any(bookmark["url"] == url for bookmark in store.bookmarks.values()):
        raise error(HTTPConflict, f"{url} is already bookmarked")
    bookmark = store.add(url, title, tags)
    request.response.status_code = 201
    request.response.location = request.route_path("bookmark", id=bookmark["id"])
    return bookmark


def find(request: Request) -> Bookmark:
    bookmark_id = int(request.matchdict["id"])
    bookmark = store_of(request).bookmarks.get(bookmark_id)
    if bookmark is None:
        raise error(HTTPNotFound, f"bookmark {bookmark_id} not found")
    return bookmark


def get_bookmark(request: Request) -> Bookmark:
    return find(request)


def delete_bookmark(request: Request) -> Response:
    bookmark = find(request)
    del store_of(request).bookmarks[bookmark["id"]]
    return Response(status=204)


def bookmarks_with_tag(request: Request) -> dict[str, Any]:
    tag = request.matchdict["tag"]
    return {"tag": tag, "bookmarks": [b for b in store_of(request).all() if tag in b["tags"]]}


def method_not_allowed(request: Request) -> dict[str, str]:
    """The fallback view of each route: no request_method predicate, so it gets the other methods."""
    request.response.status_code = 405
    return {"error": f"{request.method} is not allowed on {request.path}"}


def not_found(request: Request) -> dict[str, str]:
    """The not-found view: unknown URLs, and HTTPNotFound raised without a JSON body."""
    request.response.status_code = 404
    exc = request.exception
    if isinstance(exc, HTTPNotFound) and exc.content_type == "application/json":
        return exc.json_body  # type: ignore[no-any-return]
    return {"error": f"{request.path} not found"}


def response_time_tween_factory(handler: Handler, registry: Registry) -> Handler:
    """A tween: time every request and add X-Response-Time (milliseconds) to every response."""

    def tween(request: Request) -> Response:
        started = time.perf_counter()
        response = handler(request)
        response.headers["X-Response-Time"] = f"{(time.perf_counter() - started) * 1000:.3f}ms"
        return response

    return tween


def make_app() -> Any:
    """A new WSGI application with an empty store."""
    with Configurator() as config:
        config.registry.bookmarks = Store()
        config.add_route("bookmarks", "/bookmarks")
        config.add_route("bookmark", "/bookmarks/{id}")
        config.add_route("tag", "/tags/{tag}")
        config.add_view(list_bookmarks, route_name="bookmarks", request_method="GET", renderer="json")
        config.add_view(create_bookmark, route_name="bookmarks", request_method="POST", renderer="json")
        config.add_view(get_bookmark, route_name="bookmark", request_method="GET", renderer="json")
        config.add_view(delete_bookmark, route_name="bookmark", request_method="DELETE")
        config.add_view(bookmarks_with_tag, route_name="tag", request_method="GET", renderer="json")
        for route in ("bookmarks", "bookmark", "tag"):
            config.add_view(method_not_allowed, route_name=route, renderer="json")
        config.add_notfound_view(not_found, renderer="json")
        config.add_tween(f"{__name__}.response_time_tween_factory")
        return config.make_wsgi_app()
