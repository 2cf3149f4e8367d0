"""Public tests for 10_tornado. Run `pytest` in this exercise's folder.

Each test serves a new `make_app()` on 127.0.0.1 (a port the OS picks) in a fresh event loop and
talks to it with Tornado's own HTTP and websocket clients. They show the shape of the hidden
suite, which checks much more (400 cases, JSON 404/405, separate state per app, timing, websocket
errors, clients leaving). They fail until server.py is written.
"""

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.websocket import websocket_connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find server.py next to tests/

import server

Scenario = Callable[[str, AsyncHTTPClient], Awaitable[None]]


def serve(scenario: Scenario) -> None:
    """Serve a new app, run `scenario(base_url, client)` against it, then shut everything down."""

    async def main() -> None:
        sock, port = bind_unused_port()
        http_server = HTTPServer(server.make_app())
        http_server.add_sockets([sock])
        client = AsyncHTTPClient(force_instance=True)
        try:
            await asyncio.wait_for(scenario(f"127.0.0.1:{port}", client), 8)
        finally:
            client.close()
            http_server.stop()
            await http_server.close_all_connections()

    asyncio.run(main())


async def fetch(client: AsyncHTTPClient, url: str, method: str = "GET", body: str | None = None) -> tuple[int, Any]:
    """(status, body) of one request, the body parsed as JSON when it is JSON; errors are answers too."""
    response: HTTPResponse = await client.fetch(f"http://{url}", method=method, body=body, raise_error=False, request_timeout=3)
    text = (response.body or b"").decode("utf-8", "replace")
    try:
        return response.code, json.loads(text)
    except ValueError:
        return response.code, text


def test_post_and_get_posts() -> None:
    async def scenario(base: str, client: AsyncHTTPClient) -> None:
        status, body = await fetch(client, f"{base}/posts", "POST", json.dumps({"text": "hello, board"}))
        assert (status, body) == (201, {"id": 1, "text": "hello, board", "pinned": False}), f"got {status} {body!r}"
        status, body = await fetch(client, f"{base}/posts/1")
        assert (status, body) == (200, {"id": 1, "text": "hello, board", "pinned": False}), f"got {status} {body!r}"
        status, body = await fetch(client, f"{base}/posts")
        assert (status, body) == (200, {"posts": [{"id": 1, "text": "hello, board", "pinned": False}]}), f"got {status} {body!r}"

    serve(scenario)


def test_bad_json_and_unknown_post_are_json_errors() -> None:
    async def scenario(base: str, client: AsyncHTTPClient) -> None:
        status, body = await fetch(client, f"{base}/posts", "POST", "not json")
        assert status == 400 and isinstance(body, dict) and "error" in body, (
            f"POST /posts with a body that is not JSON: got {status} {body!r}"
        )
        status, body = await fetch(client, f"{base}/posts/42")
        assert status == 404 and isinstance(body, dict) and "error" in body, (
            f"GET /posts/42 (no such post): got {status} {body!r}"
        )

    serve(scenario)


def test_gather_runs_sleeps_together() -> None:
    async def scenario(base: str, client: AsyncHTTPClient) -> None:
        started = time.monotonic()
        status, body = await fetch(client, f"{base}/gather?ms=400,100,200")
        took = time.monotonic() - started
        assert (status, body) == (200, {"slept_ms": [400, 100, 200]}), f"got {status} {body!r}"
        assert took < 0.65, f"the three sleeps should run together (about 0.4 s in all), took {took:.2f} s"

    serve(scenario)


def test_chat_echo_and_broadcast() -> None:
    async def scenario(base: str, client: AsyncHTTPClient) -> None:
        alice = await websocket_connect(f"ws://{base}/chat?name=alice")
        bob = await websocket_connect(f"ws://{base}/chat?name=bob")
        try:
            await alice.write_message(json.dumps({"type": "echo", "text": "hi"}))
            got = json.loads(await asyncio.wait_for(alice.read_message(), 2))
            assert got == {"type": "echo", "text": "hi"}, f"alice's echo: got {got!r}"
            await bob.write_message(json.dumps({"type": "say", "text": "hello"}))
            for who, conn in (("alice", alice), ("bob", bob)):
                got = json.loads(await asyncio.wait_for(conn.read_message(), 2))
                assert got == {"type": "message", "from": "bob", "text": "hello"}, f"{who} should get bob's message, got {got!r}"
        finally:
            alice.close()
            bob.close()

    serve(scenario)
