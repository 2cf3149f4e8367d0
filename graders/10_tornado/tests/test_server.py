"""Hidden suite for 10_tornado: a JSON API for board posts, handlers that await, and a chat websocket.

Every test serves a fresh `make_app()` of the student's on a real socket (in the student's
process, see conftest.py) and talks to it over HTTP and websockets from a fresh event loop. Timing tests compare with generous
margins: a sleep that blocks the event loop, or sleeps run one after the other, take at least
twice as long as the margins allow.

PYTEST_DONT_REWRITE: a failed assertion shows the student its message alone, without pytest's
explanation of the compared values.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from conftest import Chat, Scenario, Server, serving

Run = Callable[[Scenario], None]


async def add_post(server: Server, body: dict[str, Any]) -> dict[str, Any]:
    """POST /posts with `body`, expecting 201; returns the created post."""
    reply = await server.post("/posts", json.dumps(body))
    created = reply.expect(201)
    assert isinstance(created, dict), f"POST /posts should answer with the new post as an object, got {created!r}"
    return created


async def wait_for_clients(server: Server, expected: list[str], what: str) -> None:
    """Poll GET /chat/clients until it lists `expected` (sorted), for up to 1.5 s."""
    got: Any = None
    for _ in range(30):
        got = (await server.get("/chat/clients")).expect(200)
        if got == {"clients": expected}:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"{what}: GET /chat/clients should be {{'clients': {expected!r}}}, got {got!r}", pytrace=False)


# --- the board posts API --------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="POST /posts: parse the JSON body, answer 201 with {'id', 'text', 'pinned'} and a Location: /posts/<id> header.",
)
def test_post_creates_a_post(run: Run) -> None:
    async def scenario(server: Server) -> None:
        reply = await server.post("/posts", json.dumps({"text": "hello, board"}))
        got = reply.expect(201)
        assert got == {"id": 1, "text": "hello, board", "pinned": False}, (
            f"POST /posts {{'text': 'hello, board'}} should answer {{'id': 1, 'text': "
            f"'hello, board', 'pinned': False}}, got {got!r}"
        )
        location = reply.headers.get("location", "")
        assert location.endswith("/posts/1"), f"the 201 should carry a Location header ending in /posts/1, got {location!r}"
        content_type = reply.headers.get("content-type", "")
        assert content_type.startswith("application/json"), (
            f"the answer's Content-Type should be application/json, got {content_type!r}"
        )
        second = await add_post(server, {"text": "meeting moved to 3pm", "pinned": True})
        assert second == {"id": 2, "text": "meeting moved to 3pm", "pinned": True}, (
            f"a second POST with pinned true should give "
            f"{{'id': 2, 'text': 'meeting moved to 3pm', 'pinned': True}}, got {second!r}"
        )

    run(scenario)


@pytest.mark.points(1, hint="Store text exactly as it was sent (strip only to check that it is not blank); ignore other keys.")
def test_post_keeps_text_as_given_and_ignores_other_keys(run: Run) -> None:
    async def scenario(server: Server) -> None:
        body = {"text": "  hello, board  ", "colour": "red", "id": 99}
        got = await add_post(server, body)
        shown = {key: got.get(key) for key in ("text", "pinned")}
        expected = {"text": "  hello, board  ", "pinned": False}
        assert shown == expected and isinstance(got.get("id"), int), (
            f"POST /posts {json.dumps(body)} should answer a post with an integer id and {expected!r}, got {got!r}"
        )

    run(scenario)


@pytest.mark.points(
    1,
    hint="GET /posts answers {'posts': [...]} with every post in id order; a pinned post keeps its place (only the flag is stored).",
)
def test_get_posts_lists_them_in_id_order(run: Run) -> None:
    async def scenario(server: Server) -> None:
        empty = (await server.get("/posts")).expect(200)
        assert empty == {"posts": []}, f"GET /posts on a new app should be {{'posts': []}}, got {empty!r}"
        made = [await add_post(server, {"text": text, "pinned": text == "two"}) for text in ("one", "two", "three")]
        got = (await server.get("/posts")).expect(200)
        assert got == {"posts": made}, (
            f"GET /posts should be {{'posts': {made!r}}} (in id order: pinned posts are not moved), got {got!r}"
        )

    run(scenario)


@pytest.mark.points(2, hint="GET /posts/<id> answers the post, or 404 with JSON {'error': ...} when there is none.")
def test_get_one_post_or_404(run: Run) -> None:
    async def scenario(server: Server) -> None:
        await add_post(server, {"text": "one"})
        second = await add_post(server, {"text": "two", "pinned": True})
        got = (await server.get("/posts/2")).expect(200)
        assert got == second, f"GET /posts/2 should answer {second!r}, got {got!r}"
        for path in ("/posts/99", "/posts/0"):
            (await server.get(path)).expect_error(404)

    run(scenario)


@pytest.mark.points(
    2,
    hint="Wrap json.loads(self.request.body) in try/except ValueError: bad JSON, or JSON that is not an object, is a 400.",
)
def test_post_rejects_bodies_that_are_not_a_json_object(run: Run) -> None:
    async def scenario(server: Server) -> None:
        bodies: list[str | bytes] = [
            '{"text": "hello, board"',
            "not json",
            b"",
            "[1, 2]",
            '"hello, board"',
            "42",
            b"\xff\xfe{}",
        ]
        for body in bodies:
            reply = await server.post("/posts", body)
            reply.expect_error(400, f"POST /posts with body {body!r}")
        left = (await server.get("/posts")).expect(200)
        assert left == {"posts": []}, f"rejected POSTs should add nothing, but GET /posts is {left!r}"

    run(scenario)


@pytest.mark.points(
    1,
    hint="text must be a non-blank string and pinned (optional, default false) a JSON boolean; anything else is a 400.",
)
def test_post_validates_text_and_pinned(run: Run) -> None:
    async def scenario(server: Server) -> None:
        bad: list[dict[str, Any]] = [
            {},
            {"pinned": True},
            {"text": ""},
            {"text": "   "},
            {"text": 42},
            {"text": None},
            {"text": ["hello, board"]},
            {"text": "hello, board", "pinned": "yes"},
            {"text": "hello, board", "pinned": 1},
            {"text": "hello, board", "pinned": None},
        ]
        for body in bad:
            reply = await server.post("/posts", json.dumps(body))
            reply.expect_error(400, f"POST /posts {json.dumps(body)}")
        left = (await server.get("/posts")).expect(200)
        assert left == {"posts": []}, f"rejected POSTs should add nothing, but GET /posts is {left!r}"

    run(scenario)


@pytest.mark.points(
    1,
    hint="Give the Application a default_handler_class for unknown URLs, and override write_error so 404 and 405 are JSON too.",
)
def test_unknown_urls_and_methods_answer_json_errors(run: Run) -> None:
    async def scenario(server: Server) -> None:
        await add_post(server, {"text": "one"})
        for path in ("/nope", "/posts/abc", "/posts/1/extra"):
            (await server.get(path)).expect_error(404)
        for method, path in (("DELETE", "/posts"), ("PUT", "/posts/1"), ("POST", "/posts/1")):
            (await server.fetch(method, path, "{}" if method != "DELETE" else None)).expect_error(405)

    run(scenario)


@pytest.mark.points(
    1,
    hint="Keep the posts and chat clients in an object make_app() creates and hands to "
    "the handlers (initialize), not in module globals.",
)
def test_each_app_has_its_own_state(student: ModuleType, host: Any) -> None:
    async def main() -> None:
        async with serving(host) as first:
            await add_post(first, {"text": "only in the first app"})
            async with serving(host) as second:
                got = (await second.get("/posts")).expect(200)
                assert got == {"posts": []}, f"a second make_app() should start with no posts, got {got!r}"
                created = await add_post(second, {"text": "first of the second app"})
                assert created.get("id") == 1, f"ids should start at 1 in each new app, got {created!r}"

    asyncio.run(asyncio.wait_for(main(), 8))


# --- handlers that await ----------------------------------------------------------------------


@pytest.mark.points(1, hint="GET /sleep?ms=N: await asyncio.sleep(N / 1000), then answer {'slept_ms': N}.")
def test_sleep_waits_and_answers(run: Run) -> None:
    async def scenario(server: Server) -> None:
        reply = await server.get("/sleep?ms=300")
        got = reply.expect(200)
        assert got == {"slept_ms": 300}, f"GET /sleep?ms=300 should answer {{'slept_ms': 300}}, got {got!r}"
        seconds = reply.seconds
        assert seconds >= 0.28, f"GET /sleep?ms=300 should take about 0.3 s, it took {seconds:.3f} s"
        zero = (await server.get("/sleep?ms=0")).expect(200)
        assert zero == {"slept_ms": 0}, f"GET /sleep?ms=0 should answer {{'slept_ms': 0}}, got {zero!r}"

    run(scenario)


@pytest.mark.points(
    2,
    hint="time.sleep() blocks the whole server; await asyncio.sleep() so other requests run meanwhile.",
)
def test_sleep_does_not_block_other_requests(run: Run) -> None:
    async def scenario(server: Server) -> None:
        started = time.monotonic()
        first, second = await asyncio.gather(server.get("/sleep?ms=500"), server.get("/sleep?ms=500"))
        both = time.monotonic() - started
        for reply in (first, second):
            got = reply.expect(200)
            assert got == {"slept_ms": 500}, f"GET /sleep?ms=500 should answer {{'slept_ms': 500}}, got {got!r}"
        assert both < 0.9, (
            f"two GET /sleep?ms=500 sent together should both finish in about 0.5 s, they took {both:.3f} s: "
            "the sleep blocks the event loop"
        )
        sleeper = asyncio.ensure_future(server.get("/sleep?ms=600"))
        await asyncio.sleep(0.1)
        quick = await server.get("/posts")
        quick.expect(200)
        await sleeper
        seconds = quick.seconds
        assert seconds < 0.4, f"GET /posts during a GET /sleep?ms=600 should answer at once, it took {seconds:.3f} s"

    run(scenario)


@pytest.mark.points(1, hint="ms must be a whole number from 0 to 2000; otherwise answer 400 with JSON {'error': ...}.")
def test_sleep_rejects_bad_ms(run: Run) -> None:
    async def scenario(server: Server) -> None:
        for query in ("", "?ms=", "?ms=abc", "?ms=-5", "?ms=1.5", "?ms=2001", "?ms=100000"):
            reply = await server.get(f"/sleep{query}")
            reply.expect_error(400, f"GET /sleep{query}")

    run(scenario)


@pytest.mark.points(
    2,
    hint="Start one sleep per value and await them together with asyncio.gather: the total is the longest, not the sum.",
)
def test_gather_runs_the_sleeps_concurrently(run: Run) -> None:
    async def scenario(server: Server) -> None:
        reply = await server.get("/gather?ms=600,200,400")
        got = reply.expect(200)
        assert got == {"slept_ms": [600, 200, 400]}, (
            f"GET /gather?ms=600,200,400 should answer {{'slept_ms': [600, 200, 400]}} (the order given), got {got!r}"
        )
        seconds = reply.seconds
        assert seconds < 0.95, (
            f"GET /gather?ms=600,200,400 should take about 0.6 s (the longest), it took {seconds:.3f} s: "
            "the sleeps ran one after the other"
        )
        assert seconds >= 0.55, f"GET /gather?ms=600,200,400 should take about 0.6 s, it took {seconds:.3f} s"

    run(scenario)


@pytest.mark.points(
    1,
    hint="The results keep the order of the query, whatever order the sleeps finish in; 1 to 10 values, each 0 to 2000.",
)
def test_gather_keeps_the_order_and_validates(run: Run) -> None:
    async def scenario(server: Server) -> None:
        got = (await server.get("/gather?ms=300,0,150")).expect(200)
        assert got == {"slept_ms": [300, 0, 150]}, (
            f"GET /gather?ms=300,0,150 should answer {{'slept_ms': [300, 0, 150]}} (the "
            f"order given, not the order they finished), got {got!r}"
        )
        single = (await server.get("/gather?ms=50")).expect(200)
        assert single == {"slept_ms": [50]}, f"GET /gather?ms=50 should answer {{'slept_ms': [50]}}, got {single!r}"
        eleven = ",".join(["1"] * 11)
        for query in ("", "?ms=", "?ms=1,,2", "?ms=1,x", "?ms=100,2500", "?ms=-1", f"?ms={eleven}"):
            reply = await server.get(f"/gather{query}")
            reply.expect_error(400, f"GET /gather{query}")

    run(scenario)


@pytest.mark.points(
    1,
    hint="The limits are inclusive: ms=2000 (MAX_MS) is allowed in /sleep and /gather, and /gather takes up to 10 values (MAX_TASKS).",
)
def test_the_limits_themselves_are_allowed(run: Run) -> None:
    async def scenario(server: Server) -> None:
        ten = ",".join(["0"] * 10)
        checks: list[tuple[str, dict[str, Any]]] = [
            (f"/gather?ms={ten}", {"slept_ms": [0] * 10}),
            ("/gather?ms=2000", {"slept_ms": [2000]}),
            ("/sleep?ms=2000", {"slept_ms": 2000}),
        ]
        for path, want in checks:  # one after the other, so that a blocking sleep fails only its own tests
            got = (await server.get(path)).expect(200)
            assert got == want, f"GET {path} should answer {want!r}, got {got!r}"

    run(scenario)


# --- the chat websocket -----------------------------------------------------------------------


@pytest.mark.points(2, hint="{'type': 'echo', 'text': T} is answered to the sender only, with {'type': 'echo', 'text': T}.")
def test_chat_echo_goes_to_the_sender_only(run: Run) -> None:
    async def scenario(server: Server) -> None:
        alice = await server.connect("/chat?name=alice")
        bob = await server.connect("/chat?name=bob")
        await alice.send({"type": "echo", "text": "hello, me"})
        got = await alice.receive("after alice sends an echo")
        assert got == {"type": "echo", "text": "hello, me"}, (
            f"alice should get {{'type': 'echo', 'text': 'hello, me'}} back, got {got!r}"
        )
        await alice.send({"type": "say", "text": "ping"})
        first_for_bob = await bob.receive("after alice says 'ping'")
        assert first_for_bob == {"type": "message", "from": "alice", "text": "ping"}, (
            "bob's first message should be alice's broadcast {'type': 'message', 'from': 'alice', 'text': 'ping'} "
            f"(alice's echo is for alice only), got {first_for_bob!r}"
        )
        alice.close()
        bob.close()

    run(scenario)


@pytest.mark.points(
    2,
    hint="{'type': 'say', 'text': T} goes to every connected client, the sender "
    "included: {'type': 'message', 'from': name, 'text': T}.",
)
def test_chat_say_is_broadcast_to_everybody(run: Run) -> None:
    async def scenario(server: Server) -> None:
        clients: dict[str, Chat] = {}
        for name in ("alice", "bob", "carol"):
            clients[name] = await server.connect(f"/chat?name={name}")
        await clients["bob"].send({"type": "say", "text": "hello, all"})
        expected = {"type": "message", "from": "bob", "text": "hello, all"}
        for name, chat in clients.items():
            got = await chat.receive(f"{name}, after bob says 'hello, all'")
            assert got == expected, f"{name} should receive {expected!r}, got {got!r}"
        await clients["carol"].send({"type": "say", "text": "hi bob"})
        for name, chat in clients.items():
            got = await chat.receive(f"{name}, after carol says 'hi bob'")
            assert got == {"type": "message", "from": "carol", "text": "hi bob"}, (
                f"{name} should receive carol's message, got {got!r}"
            )
        for chat in clients.values():
            chat.close()

    run(scenario)


@pytest.mark.points(
    1,
    hint="A message that is not JSON, not an object, of another type or without a string text "
    "gets {'type': 'error', ...} back; the socket stays open.",
)
def test_chat_answers_bad_messages_with_an_error(run: Run) -> None:
    async def scenario(server: Server) -> None:
        alice = await server.connect("/chat?name=alice")
        bad: list[str] = [
            "not json",
            json.dumps(["say", "hi"]),
            json.dumps({"type": "shout", "text": "hi"}),
            json.dumps({"type": "say"}),
            json.dumps({"type": "echo", "text": 42}),
        ]
        for message in bad:
            await alice.send(message)
            got = await alice.receive(f"after alice sends {message!r}")
            error = got.get("error") if isinstance(got, dict) else None
            assert isinstance(got, dict) and got.get("type") == "error" and isinstance(error, str) and error, (
                f"sending {message!r} should get {{'type': 'error', 'error': '<message>'}} back, got {got!r}"
            )
        await alice.send({"type": "echo", "text": "still here"})
        got = await alice.receive("after the bad messages, an echo")
        assert got == {"type": "echo", "text": "still here"}, (
            f"the websocket should stay open after an error and still echo, got {got!r}"
        )
        alice.close()

    run(scenario)


@pytest.mark.points(
    1,
    hint="A blank name (?name= or only spaces) is 'anonymous', like a missing one; "
    "/chat/clients lists one name per connection, the same name twice if two connections use it.",
)
def test_chat_blank_names_and_one_name_per_connection(run: Run) -> None:
    async def scenario(server: Server) -> None:
        blank = await server.connect("/chat?name=%20%20")
        await server.connect("/chat?name=")
        await server.connect("/chat?name=alice")
        alice = await server.connect("/chat?name=alice")
        await wait_for_clients(
            server, ["alice", "alice", "anonymous", "anonymous"], "with two alices and two clients with a blank name"
        )
        await blank.send({"type": "say", "text": "who am I?"})
        got = await alice.receive("alice, after a client with a blank name says 'who am I?'")
        expected = {"type": "message", "from": "anonymous", "text": "who am I?"}
        assert got == expected, f"a client whose name is blank should speak as 'anonymous': {expected!r}, got {got!r}"

    run(scenario)


@pytest.mark.points(
    2,
    hint="Add each socket to the app's set of clients in open() and remove it in "
    "on_close(); GET /chat/clients lists their names, sorted.",
)
def test_chat_clients_come_and_go(run: Run) -> None:
    async def scenario(server: Server) -> None:
        await wait_for_clients(server, [], "before anybody connects")
        bob = await server.connect("/chat?name=bob")
        alice = await server.connect("/chat?name=alice")
        nobody = await server.connect("/chat")
        await wait_for_clients(server, ["alice", "anonymous", "bob"], "with bob, alice and a client without a name connected")
        bob.close()
        nobody.close()
        await wait_for_clients(server, ["alice"], "after bob and the anonymous client closed their websockets")
        await alice.send({"type": "say", "text": "anyone?"})
        got = await alice.receive("alice, saying something after the others left")
        assert got == {"type": "message", "from": "alice", "text": "anyone?"}, (
            f"a broadcast after others left should still reach alice, got {got!r}"
        )
        alice.close()

    run(scenario)
