"""A bookmarks API on Pyramid: routes with placeholders, views with predicates, JSON errors, a tween.

Fill in the views and make_app() below; README.md says exactly what each route must do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

Bookmark = dict[str, Any]
Handler = Callable[[Request], Response]


class Store:
    """The bookmarks of one application, by id. make_app() puts a new one on the registry."""

    def __init__(self) -> None:
        self.bookmarks: dict[int, Bookmark] = {}
        self.next_id = 1


def list_bookmarks(request: Request) -> dict[str, Any]:
    """GET /bookmarks"""
    raise NotImplementedError("GET /bookmarks: not written yet")


def create_bookmark(request: Request) -> Bookmark:
    """POST /bookmarks"""
    raise NotImplementedError("POST /bookmarks: not written yet")


def get_bookmark(request: Request) -> Bookmark:
    """GET /bookmarks/{id}"""
    raise NotImplementedError("GET /bookmarks/{id}: not written yet")


def delete_bookmark(request: Request) -> Response:
    """DELETE /bookmarks/{id}"""
    raise NotImplementedError("DELETE /bookmarks/{id}: not written yet")


def bookmarks_with_tag(request: Request) -> dict[str, Any]:
    """GET /tags/{tag}"""
    raise NotImplementedError("GET /tags/{tag}: not written yet")


def response_time_tween_factory(handler: Handler, registry: Registry) -> Handler:
    """A tween factory: return a function that times `handler(request)` and sets X-Response-Time."""
    raise NotImplementedError("the X-Response-Time tween: not written yet")


def make_app() -> Any:
    """A new WSGI application with an empty store."""
    with Configurator() as config:
        config.registry.bookmarks = Store()
        # TODO: the routes (config.add_route), the views (config.add_view, with request_method
        #       predicates and renderer="json"), the 405 fallbacks, the not-found view and the tween.
        return config.make_wsgi_app()
