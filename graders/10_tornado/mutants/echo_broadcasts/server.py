"""A small Tornado app: a JSON API for board posts, two handlers that await, and a chat websocket.

`make_app()` builds a fresh `tornado.web.Application` with its own state every time it is called.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import tornado.web
import tornado.websocket

MAX_MS = 2000
MAX_TASKS = 10


@dataclass
class State:
    """Everything one application remembers: its posts and its open chat sockets."""

    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    chat: set[ChatSocket] = field(default_factory=set)


class JsonHandler(tornado.web.RequestHandler):
    """Base of the HTTP handlers: reaches the app's state, and answers every error as JSON."""

    def initialize(self, state: State) -> None:
        self.state = state

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish({"error": self._reason})

    def fail(self, status: int, message: str) -> None:
        """Answer `status` with {"error": message}."""
        self.set_status(status)
        self.finish({"error": message})


class NotFoundHandler(JsonHandler):
    """Every URL no route matches."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)


class PostsHandler(JsonHandler):
    async def get(self) -> None:
        self.write({"posts": [self.state.posts[key] for key in sorted(self.state.posts)]})

    async def post(self) -> None:
        try:
            data = json.loads(self.request.body)
        except ValueError:
            return self.fail(400, "the body must be JSON")
        if not isinstance(data, dict):
            return self.fail(400, "the body must be a JSON object")
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            return self.fail(400, "text must be a non-blank string")
        pinned = data.get("pinned", False)
        if not isinstance(pinned, bool):
            return self.fail(400, "pinned must be true or false")
        post = {"id": self.state.next_id, "text": text, "pinned": pinned}
        self.state.posts[post["id"]] = post
        self.state.next_id += 1
        self.set_status(201)
        self.set_header("Location", f"/posts/{post['id']}")
        self.write(post)


class PostHandler(JsonHandler):
    async def get(self, post_id: str) -> None:
        post = self.state.posts.get(int(post_id))
        if post is None:
            return self.fail(404, f"post {post_id} not found")
        self.write(post)


def parse_ms(text: str) -> int | None:
    """A whole number of milliseconds from 0 to MAX_MS, or None."""
    text = text.strip()
    if not text.isdigit() or not text.isascii():
        return None
    value = int(text)
    return value if value <= MAX_MS else None


async def nap(ms: int) -> int:
    """Sleep `ms` milliseconds without blocking the event loop, then give `ms` back."""
    await asyncio.sleep(ms / 1000)
    return ms


class SleepHandler(JsonHandler):
    async def get(self) -> None:
        ms = parse_ms(self.get_argument("ms", ""))
        if ms is None:
            return self.fail(400, f"ms must be a whole number from 0 to {MAX_MS}")
        self.write({"slept_ms": await nap(ms)})


class GatherHandler(JsonHandler):
    async def get(self) -> None:
        parts = self.get_argument("ms", "").split(",")
        values = [parse_ms(part) for part in parts]
        if not 1 <= len(values) <= MAX_TASKS or any(value is None for value in values):
            return self.fail(400, f"ms must be 1 to {MAX_TASKS} comma-separated whole numbers from 0 to {MAX_MS}")
        results = await asyncio.gather(*(nap(value) for value in values if value is not None))
        self.write({"slept_ms": list(results)})


class ChatClientsHandler(JsonHandler):
    async def get(self) -> None:
        self.write({"clients": sorted(client.name for client in self.state.chat)})


class ChatSocket(tornado.websocket.WebSocketHandler):
    """One chat connection: echo to the sender, or say to everybody."""

    def initialize(self, state: State) -> None:
        self.state = state
        self.name = "anonymous"

    def open(self) -> None:
        self.name = self.get_argument("name", "").strip() or "anonymous"
        self.state.chat.add(self)

    def on_close(self) -> None:
        self.state.chat.discard(self)

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.write_message(message)
        except tornado.websocket.WebSocketClosedError:
            self.state.chat.discard(self)

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return self.send({"type": "error", "error": "messages must be JSON"})
        if not isinstance(data, dict) or data.get("type") not in ("echo", "say"):
            return self.send({"type": "error", "error": "type must be 'echo' or 'say'"})
        text = data.get("text")
        if not isinstance(text, str):
            return self.send({"type": "error", "error": "text must be a string"})
        if data["type"] == "echo":
            for client in list(self.state.chat):
                client.send({"type": "echo", "text": text})
            return None
        for client in list(self.state.chat):
            client.send({"type": "message", "from": self.name, "text": text})


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
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
    )
