"""Helpers for the 10_tornado hidden suite: serve the student's app on a real socket, talk to it.

Each test runs one coroutine in a fresh event loop (`run(...)`): the student's `make_app()` is
served by a `tornado.httpserver.HTTPServer` on 127.0.0.1 and a port the OS picks, and the test
talks to it with `AsyncHTTPClient` and `websocket_connect` in that same loop. Every wait has a
short timeout, so a handler that never answers fails its test with a message, not the 10 s limit.
The `student` fixture (the imported submission) comes from the grader; nothing here imports it.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
import tornado.web
import tornado.websocket
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

REQUEST_TIMEOUT_S = 3.0  # one HTTP request, sleeps included
READ_TIMEOUT_S = 1.5  # one websocket message
SCENARIO_TIMEOUT_S = 8.0  # a whole test, under the grader's 10 s


@dataclass
class Reply:
    """One HTTP response, read in full."""

    method: str
    path: str
    status: int
    headers: dict[str, str]  # names lower-cased
    text: str
    seconds: float

    def json(self, what: str | None = None) -> Any:
        """The body parsed as JSON; fails the test with a readable message when it is not."""
        try:
            return json.loads(self.text)
        except ValueError:
            pytest.fail(
                f"{what or self.asked} should answer with a JSON body, got {self.status} with body {self.text[:300]!r}",
                pytrace=False,
            )

    @property
    def asked(self) -> str:
        return f"{self.method} {self.path}"

    def expect(self, status: int, what: str | None = None) -> Any:
        """Check the status code, then return the JSON body. `what` names the request in messages."""
        got = self.status
        assert got == status, f"{what or self.asked} should answer {status}, got {got} with body {self.text[:300]!r}"
        return self.json(what)

    def expect_error(self, status: int, what: str | None = None) -> None:
        """Check the status and that the body is JSON {"error": "<a non-empty message>"}."""
        body = self.expect(status, what)
        message = body.get("error") if isinstance(body, dict) else None
        assert isinstance(message, str) and message, (
            f'{what or self.asked} should answer {status} with JSON {{"error": "<message>"}}, got {body!r}'
        )


class Server:
    """The student's app, served on 127.0.0.1:port for the length of one test."""

    def __init__(self, port: int, client: AsyncHTTPClient) -> None:
        self.port = port
        self.client = client
        self.chats: list[Chat] = []  # closed when the test ends, whatever happened

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def fetch(self, method: str, path: str, body: str | bytes | None = None) -> Reply:
        """One request; a connection error or a timeout fails the test with what was asked."""
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        started = time.monotonic()
        try:
            response: HTTPResponse = await self.client.fetch(
                self.url(path),
                method=method,
                body=body,
                headers={"Content-Type": "application/json"} if body else None,
                raise_error=False,
                request_timeout=REQUEST_TIMEOUT_S,
                allow_nonstandard_methods=True,
                follow_redirects=False,
            )
        except Exception as exc:
            pytest.fail(f"{method} {path} failed: {type(exc).__name__}: {exc}", pytrace=False)
        seconds = time.monotonic() - started
        if response.code == 599:
            pytest.fail(f"{method} {path} got no answer within {REQUEST_TIMEOUT_S:g} s ({response.error})", pytrace=False)
        headers = {name.lower(): value for name, value in response.headers.get_all()}
        text = (response.body or b"").decode("utf-8", "replace")
        return Reply(method, path, response.code, headers, text, seconds)

    async def get(self, path: str) -> Reply:
        return await self.fetch("GET", path)

    async def post(self, path: str, body: str | bytes) -> Reply:
        return await self.fetch("POST", path, body)

    async def connect(self, path: str) -> Chat:
        """Open a websocket to `path` (e.g. '/chat?name=alice')."""
        try:
            conn = await asyncio.wait_for(
                tornado.websocket.websocket_connect(self.url(path, "ws"), connect_timeout=REQUEST_TIMEOUT_S),
                REQUEST_TIMEOUT_S,
            )
        except TimeoutError:
            pytest.fail(f"opening a websocket to {path} took more than {REQUEST_TIMEOUT_S:g} s", pytrace=False)
        except Exception as exc:
            pytest.fail(f"opening a websocket to {path} failed: {type(exc).__name__}: {exc}", pytrace=False)
        chat = Chat(path, conn)
        self.chats.append(chat)
        return chat


class Chat:
    """One websocket connection held by the test."""

    def __init__(self, path: str, conn: tornado.websocket.WebSocketClientConnection) -> None:
        self.path = path
        self.conn = conn

    async def send(self, message: Any) -> None:
        """Send a JSON message (or a str as it is)."""
        text = message if isinstance(message, str) else json.dumps(message)
        try:
            await self.conn.write_message(text)
        except tornado.websocket.WebSocketClosedError:
            pytest.fail(f"the websocket {self.path} was closed by the server before sending {text!r}", pytrace=False)

    async def receive(self, what: str) -> Any:
        """The next message, parsed as JSON; fails with `what` was expected when none comes."""
        try:
            raw = await asyncio.wait_for(self.conn.read_message(), READ_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"{what}: no message arrived on {self.path} within {READ_TIMEOUT_S:g} s", pytrace=False)
        if raw is None:
            pytest.fail(f"{what}: the server closed the websocket {self.path} instead", pytrace=False)
        try:
            return json.loads(raw)
        except ValueError:
            pytest.fail(f"{what}: websocket messages should be JSON, got {raw!r}", pytrace=False)

    def close(self) -> None:
        self.conn.close()


@contextlib.asynccontextmanager
async def serving(student: ModuleType) -> AsyncIterator[Server]:
    """Serve a new `student.make_app()` until the block ends."""
    try:
        app = student.make_app()
    except Exception as exc:
        pytest.fail(f"make_app() raised {type(exc).__name__}: {exc}", pytrace=False)
    assert isinstance(app, tornado.web.Application), (
        f"make_app() should return a tornado.web.Application, got {type(app).__name__}"
    )
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    client = AsyncHTTPClient(force_instance=True)
    served = Server(port, client)
    try:
        yield served
    finally:
        for chat in served.chats:
            chat.close()
        client.close()
        server.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.close_all_connections(), 1.0)


Scenario = Callable[[Server], Awaitable[None]]


def run_with(student: ModuleType, scenario: Scenario) -> None:
    """Run `scenario(server)` in a fresh event loop against a freshly served app."""

    async def main() -> None:
        async with serving(student) as server:
            await scenario(server)

    async def bounded() -> None:
        try:
            await asyncio.wait_for(main(), SCENARIO_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"the test did not finish within {SCENARIO_TIMEOUT_S:g} s", pytrace=False)

    asyncio.run(bounded())


@pytest.fixture
def run(student: ModuleType) -> Callable[[Scenario], None]:
    """`run(scenario)`: serve the student's app and run the async scenario against it."""
    return lambda scenario: run_with(student, scenario)
