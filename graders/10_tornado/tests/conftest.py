"""Helpers for the 10_tornado hidden suite: serve the student's app on a real socket, talk to it.

The suite runs across the process boundary (exercise.toml `boundary = "process"`): the tests run
in the grader's process and the student's `server.py` in another one. There, the `HOST` helper
module calls `make_app()` and serves the app with a `tornado.httpserver.HTTPServer` on 127.0.0.1
and a port the OS picks, on an event loop of its own (a thread of the student's process); only the
port comes back. Each test runs one coroutine in a fresh event loop of the grader (`run(...)`) and
talks to that port with `AsyncHTTPClient` and `websocket_connect`, as any client would. Every
wait has a short timeout, so a handler that never answers fails its test with a message, not the
10 s limit. The `student` fixture (a remote module) comes from the grader; nothing here imports it.

PYTEST_DONT_REWRITE: a failed assertion here shows the student its message alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import tornado.web
import tornado.websocket
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

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


#: Runs beside the student's code (the `student_helper` fixture), in the student's process: it
#: makes their app and serves it on loopback from an event loop of its own, and answers with plain
#: data (a port, or what went wrong). It holds no expected values: a student could read it.
HOST = """
import asyncio
import threading

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port


class Host:
    def __init__(self, module):
        self.module = module
        self.servers = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout_s):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def serve(self):
        return self.run(self.start(), 5.0)

    async def start(self):
        try:
            app = self.module.make_app()
        except Exception as exc:
            return {"error": "make_app() raised " + type(exc).__name__ + ": " + str(exc)}
        if not isinstance(app, tornado.web.Application):
            return {"error": "make_app() should return a tornado.web.Application, got " + type(app).__name__}
        sock, port = bind_unused_port()
        server = HTTPServer(app)
        server.add_sockets([sock])
        self.servers.append(server)
        return {"port": port, "server": len(self.servers) - 1}

    def stop(self, index):
        self.run(self.shut(self.servers[index]), 3.0)

    async def shut(self, server):
        server.stop()
        try:
            await asyncio.wait_for(server.close_all_connections(), 1.0)
        except Exception:
            pass

    def close(self):
        for index in range(len(self.servers)):
            try:
                self.stop(index)
            except Exception:
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
"""


@pytest.fixture
def host(student: Any, student_helper: Callable[..., Any]) -> Iterator[Any]:
    """Serves the student's apps, in their process (a handle to a `Host`)."""
    made = student_helper(HOST, "tornado_host").Host(student)
    try:
        yield made
    finally:
        with contextlib.suppress(Exception):  # after a restart the old handle is gone, and so is its loop
            made.close()


@contextlib.asynccontextmanager
async def serving(host: Any) -> AsyncIterator[Server]:
    """Serve a new `make_app()` of the student's until the block ends."""
    started = host.serve()
    port = started.get("port") if isinstance(started, dict) else None
    if type(port) is not int:
        error = started.get("error") if isinstance(started, dict) else None
        pytest.fail(str(error) if error else "make_app()'s app could not be served on 127.0.0.1", pytrace=False)
    client = AsyncHTTPClient(force_instance=True)
    served = Server(port, client)
    try:
        yield served
    finally:
        for chat in served.chats:
            chat.close()
        client.close()
        with contextlib.suppress(Exception):
            host.stop(started.get("server"))


Scenario = Callable[[Server], Awaitable[None]]


def run_with(host: Any, scenario: Scenario) -> None:
    """Run `scenario(server)` in a fresh event loop against a freshly served app."""

    async def main() -> None:
        async with serving(host) as server:
            await scenario(server)

    async def bounded() -> None:
        try:
            await asyncio.wait_for(main(), SCENARIO_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"the test did not finish within {SCENARIO_TIMEOUT_S:g} s", pytrace=False)

    asyncio.run(bounded())


@pytest.fixture
def run(host: Any) -> Callable[[Scenario], None]:
    """`run(scenario)`: serve the student's app and run the async scenario against it."""
    return lambda scenario: run_with(host, scenario)
