"""A small Tornado app: a JSON API for board posts, two handlers that await, and a chat websocket.

Fill in the handlers below; README.md says exactly what each route must do. `make_app()` already
wires the routes and hands every handler the app's `State`. It still lacks JSON error pages and a
handler for unknown URLs (see README.md, "Errors are JSON").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tornado.web
import tornado.websocket

MAX_MS = 2000  # the longest sleep /sleep and /gather accept, in milliseconds
MAX_TASKS = 10  # the most values /gather accepts


@dataclass
class State:
    """Everything one application remembers. Each make_app() call makes a new, empty one."""

    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    chat: set[ChatSocket] = field(default_factory=set)


class JsonHandler(tornado.web.RequestHandler):
    """Base of the HTTP handlers below: `self.state` is the app's State."""

    def initialize(self, state: State) -> None:
        self.state = state

    # TODO: override write_error() so that every error (404, 405, ...) is JSON {"error": "..."}.


class PostsHandler(JsonHandler):
    """/posts: list the posts (GET) and add one (POST)."""

    async def get(self) -> None:
        raise NotImplementedError("GET /posts: not written yet")

    async def post(self) -> None:
        raise NotImplementedError("POST /posts: not written yet")


class PostHandler(JsonHandler):
    """/posts/<id>: one post."""

    async def get(self, post_id: str) -> None:
        raise NotImplementedError("GET /posts/<id>: not written yet")


class SleepHandler(JsonHandler):
    """/sleep?ms=N: wait N milliseconds without blocking the server."""

    async def get(self) -> None:
        raise NotImplementedError("GET /sleep: not written yet")


class GatherHandler(JsonHandler):
    """/gather?ms=A,B,C: several waits at once."""

    async def get(self) -> None:
        raise NotImplementedError("GET /gather: not written yet")


class ChatClientsHandler(JsonHandler):
    """/chat/clients: the names of the connected chat clients."""

    async def get(self) -> None:
        raise NotImplementedError("GET /chat/clients: not written yet")


class ChatSocket(tornado.websocket.WebSocketHandler):
    """/chat?name=...: one chat connection."""

    def initialize(self, state: State) -> None:
        self.state = state
        self.name = "anonymous"

    def open(self) -> None:
        raise NotImplementedError("ChatSocket.open: not written yet")

    def on_message(self, message: str | bytes) -> None:
        raise NotImplementedError("ChatSocket.on_message: not written yet")

    def on_close(self) -> None:
        pass  # TODO: forget this client


def make_app() -> tornado.web.Application:
    """A new application with empty state: no posts, nobody in the chat."""
    state = State()
    args = {"state": state}
    return tornado.web.Application(
        [
            (r"/posts", PostsHandler, args),
            (r"/posts/([0-9]+)", PostHandler, args),
            (r"/sleep", SleepHandler, args),
            (r"/gather", GatherHandler, args),
            (r"/chat", ChatSocket, args),
            (r"/chat/clients", ChatClientsHandler, args),
        ],
        # TODO: default_handler_class=..., default_handler_args=args (unknown URLs: JSON 404)
    )
