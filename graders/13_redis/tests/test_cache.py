"""Hidden suite for 13_redis: cache-aside with a TTL, atomic counters, a rate limiter and pub/sub.

Every test runs against a real redis-server (see conftest.py), on a database emptied before it.
The submission comes through the `student` fixture (a remote module, never imported here); what it
is given that is not plain data (its Redis client, compute() callbacks) is made in its own process
by conftest's helper, and the tests check Redis with the grader's own client `r`.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""

import functools
import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
import redis

EXPIRE_COMMANDS = frozenset({"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"})
EXPIRY_OPTIONS = frozenset({"EX", "PX", "EXAT", "PXAT"})


def error_name(exc: BaseException) -> str:
    module = type(exc).__module__
    prefix = "" if module == "builtins" else f"{module}."
    return f"{prefix}{type(exc).__name__}: {exc}"


def call_ok(call: Callable[[], Any], what: str) -> Any:
    """`call()`'s result, or a readable failure naming the unexpected exception."""
    try:
        return call()
    except Exception as exc:
        pytest.fail(f"{what} should succeed, got {error_name(exc)}", pytrace=False)


def assert_raises(expected: type[BaseException], call: Callable[[], object], what: str) -> BaseException:
    """Fail with a readable message unless `call()` raises `expected`."""
    try:
        result = call()
    except expected as exc:
        return exc
    except Exception as exc:
        pytest.fail(f"{what} should raise {expected.__name__}, got {error_name(exc)}", pytrace=False)
    pytest.fail(f"{what} should raise {expected.__name__}, but it returned {result!r}", pytrace=False)


def computations(compute: Any) -> int:
    """How many times a compute() callback made by the helper was called."""
    calls = compute.calls
    return calls if type(calls) is int else -1


def in_threads(helper: Any, n: int, func: Any, calls: list[list[Any]]) -> list[list[Any]]:
    """Each of `n` threads (in the student's process, released together) makes `calls`; their results."""
    outcome = helper.in_threads(n, func, calls)
    if not isinstance(outcome, dict) or outcome.get("finished") is not True:
        pytest.fail(f"{n} threads calling your function concurrently did not finish within 8 s", pytrace=False)
    errors = outcome.get("errors") or []
    assert not errors, f"your function raised in a thread: {errors[0]}"
    results = outcome.get("results")
    return results if isinstance(results, list) else []


def commands_sent(recording: Any) -> list[tuple[str, ...]]:
    """The commands the helper's recording client sent itself, as tuples of strings."""
    sent = recording.commands
    if not isinstance(sent, list):
        return []
    return [command for command in sent if isinstance(command, tuple) and command and all(type(a) is str for a in command)]


# --- Part 1: get_or_compute -------------------------------------------------------------------


@pytest.mark.points(2, hint="On a miss, call compute() once, SET the key to json.dumps(value) and return the value.")
def test_get_or_compute_miss_computes_and_stores_json(student: ModuleType, r: redis.Redis, client: Any, helper: Any) -> None:
    value = {"id": 7, "name": "Ada", "tags": ["admin", "ops"], "score": 9.5, "active": True}
    compute = helper.Compute(value)
    got = call_ok(
        lambda: student.get_or_compute(client, "user:7", 60, compute), "get_or_compute(r, 'user:7', 60, compute) on a miss"
    )
    assert got == value, f"on a miss get_or_compute should return compute()'s value {value!r}, got {got!r}"
    calls = computations(compute)
    assert calls == 1, f"on a miss compute() should be called exactly once, it was called {calls} times"
    raw = r.get("user:7")
    assert raw is not None, "after a miss the key 'user:7' should be in Redis, but GET returned nothing"
    try:
        stored = json.loads(raw)
    except ValueError:
        pytest.fail(f"the cached value should be JSON (json.dumps(value)), got {raw!r}", pytrace=False)
    assert stored == value, f"the cached JSON should decode to {value!r}, got {stored!r}"


@pytest.mark.points(2, hint="Cache with an expiry: r.set(key, data, ex=ttl_s). Without it the entry never leaves the cache.")
def test_get_or_compute_miss_sets_the_ttl(student: ModuleType, r: redis.Redis, client: Any, helper: Any) -> None:
    compute = helper.Compute([1, 2, 3])
    call_ok(lambda: student.get_or_compute(client, "report:today", 30, compute), "get_or_compute(r, 'report:today', 30, ...)")
    ttl = r.ttl("report:today")
    assert ttl != -2, "after a miss the key should exist, but Redis says it does not (TTL -2)"
    assert ttl != -1, "the cached key has no expiry (TTL -1): set it with ex=ttl_s so it expires after ttl_s seconds"
    assert 29 <= ttl <= 30, f"the cached key should expire in ttl_s = 30 seconds, Redis says TTL = {ttl}"


@pytest.mark.points(
    1,
    hint="Store the value and its expiry in one command, r.set(key, data, ex=ttl_s): with a SET then an EXPIRE, "
    "a process that dies in between leaves the key without a TTL for ever.",
)
def test_get_or_compute_sets_value_and_ttl_in_one_command(
    student: ModuleType, r: redis.Redis, recording: Any, helper: Any
) -> None:
    compute = helper.Compute("<h1>Home</h1>")
    call_ok(lambda: student.get_or_compute(recording, "page:home", 45, compute), "get_or_compute(r, 'page:home', 45, ...)")
    sent = [command for command in commands_sent(recording) if len(command) > 1 and command[1] == "page:home"]
    names = ", ".join(command[0].upper() for command in sent) or "nothing"
    separate = [command for command in sent if command[0].upper() in EXPIRE_COMMANDS]
    plain = [command for command in sent if command[0].upper() == "SET" and not EXPIRY_OPTIONS & {a.upper() for a in command[3:]}]
    assert not separate and not plain, (
        "on a miss the value and its expiry should be stored in one command, SET page:home <json> EX 45; "
        f"for 'page:home' your code sent {names}"
    )
    ttl = r.ttl("page:home")
    assert 44 <= ttl <= 45, f"the cached key should expire in ttl_s = 45 seconds, Redis says TTL = {ttl}"


@pytest.mark.points(
    2, hint="Look the key up first: when GET finds it, return json.loads(cached) without calling compute or touching the TTL."
)
def test_get_or_compute_hit_skips_compute(student: ModuleType, r: redis.Redis, client: Any, helper: Any) -> None:
    cached = {"id": 3, "name": "Grace"}
    r.set("user:3", json.dumps(cached), ex=600)
    unused = helper.Compute("computed")
    got = call_ok(lambda: student.get_or_compute(client, "user:3", 5, unused), "get_or_compute on a cached key")
    assert computations(unused) == 0, "compute() was called although the key was in the cache (a hit must not compute)"
    assert got == cached, f"on a hit get_or_compute should return the cached value decoded from JSON, {cached!r}, got {got!r}"
    ttl = r.ttl("user:3")
    assert ttl > 5, f"a hit should leave the entry and its TTL alone (it was 600 s), but the TTL is now {ttl}"
    compute = helper.Compute("fresh")
    first = call_ok(lambda: student.get_or_compute(client, "greeting", 60, compute), "get_or_compute(r, 'greeting', ...) (miss)")
    second = call_ok(
        lambda: student.get_or_compute(client, "greeting", 60, compute), "get_or_compute(r, 'greeting', ...) again (hit)"
    )
    assert (first, second) == ("fresh", "fresh"), f"a miss then a hit should both return 'fresh', got {(first, second)!r}"
    calls = computations(compute)
    assert calls == 1, f"the second call should be a hit, but compute() ran {calls} times"


@pytest.mark.points(1, hint="Once the key has expired, GET returns None: that is a miss, so compute again and cache again.")
def test_get_or_compute_recomputes_after_expiry(student: ModuleType, r: redis.Redis, client: Any, helper: Any) -> None:
    compute = helper.Compute({"rate": 1.08})
    call_ok(lambda: student.get_or_compute(client, "fx:eur", 60, compute), "get_or_compute(r, 'fx:eur', 60, ...)")
    r.pexpire("fx:eur", 50)  # make the entry expire now instead of in a minute
    time.sleep(0.15)
    compute.value = {"rate": 1.09}
    got = call_ok(lambda: student.get_or_compute(client, "fx:eur", 60, compute), "get_or_compute after the entry expired")
    assert got == {"rate": 1.09}, f"after expiry get_or_compute should compute the new value {{'rate': 1.09}}, got {got!r}"
    calls = computations(compute)
    assert calls == 2, f"after expiry compute() should run again (2 calls in all), it ran {calls} times"
    assert r.ttl("fx:eur") > 0, f"the recomputed entry should be cached with a TTL again, TTL is {r.ttl('fx:eur')}"


@pytest.mark.points(
    1, hint="A cached 0, '', [], False or null is still a hit: test `cached is not None` on what GET returned, not its truth."
)
def test_get_or_compute_caches_falsy_values(student: ModuleType, client: Any, helper: Any) -> None:
    falsy: tuple[Any, ...] = (None, 0, "", [], False)
    for value in falsy:
        key = f"falsy:{json.dumps(value)}"
        compute = helper.Compute(value)
        first = call_ok(
            functools.partial(student.get_or_compute, client, key, 60, compute), f"get_or_compute for a value of {value!r} (miss)"
        )
        second = call_ok(
            functools.partial(student.get_or_compute, client, key, 60, compute), f"get_or_compute for a value of {value!r} (hit)"
        )
        assert (first, second) == (value, value), f"both calls should return {value!r}, got {(first, second)!r}"
        calls = computations(compute)
        assert calls == 1, f"a cached {value!r} should be a hit: compute() should run once for two calls, it ran {calls} times"


@pytest.mark.points(1, hint="If compute() raises, let the error propagate and cache nothing.")
def test_get_or_compute_caches_nothing_when_compute_fails(student: ModuleType, r: redis.Redis, client: Any, helper: Any) -> None:
    broken = helper.Compute(error="the database is down")  # raises ConnectionError("the database is down")
    exc = assert_raises(
        ConnectionError, lambda: student.get_or_compute(client, "user:9", 60, broken), "get_or_compute with a failing compute()"
    )
    assert "the database is down" in str(exc), f"the error from compute() should propagate unchanged, got {error_name(exc)}"
    assert r.exists("user:9") == 0, f"nothing should be cached when compute() fails, but 'user:9' holds {r.get('user:9')!r}"


@pytest.mark.points(1, hint="Check ttl_s first: below 1 raises ValueError before anything else happens (no GET, no compute).")
def test_get_or_compute_rejects_a_bad_ttl(student: ModuleType, r: redis.Redis, recording: Any, helper: Any) -> None:
    for ttl in (0, -5):
        compute = helper.Compute("x")
        recording.forget()
        assert_raises(
            ValueError,
            functools.partial(student.get_or_compute, recording, "k", ttl, compute),
            f"get_or_compute(r, 'k', {ttl}, compute)",
        )
        calls = computations(compute)
        assert calls == 0, f"with ttl_s={ttl} compute() should not be called, it was called {calls} times"
        sent = ", ".join(command[0].upper() for command in commands_sent(recording))
        assert not sent, f"with ttl_s={ttl} get_or_compute should raise ValueError before anything else, but it first sent {sent}"
    assert r.exists("k") == 0, "nothing should be cached when ttl_s is invalid"


@pytest.mark.points(1, hint="ttl_s = 1 is a valid TTL: only ttl_s < 1 (0 or below) raises ValueError.")
def test_get_or_compute_accepts_a_ttl_of_one_second(student: ModuleType, r: redis.Redis, client: Any, helper: Any) -> None:
    compute = helper.Compute({"sale": "flash"})
    what = "get_or_compute(r, 'sale:now', 1, compute) (ttl_s = 1 is valid: ValueError only below 1)"
    got = call_ok(lambda: student.get_or_compute(client, "sale:now", 1, compute), what)
    assert got == {"sale": "flash"}, f"{what} should return compute()'s value {{'sale': 'flash'}}, got {got!r}"
    ttl = r.pttl("sale:now")
    assert ttl != -1, "the key cached with ttl_s = 1 has no expiry (TTL -1): set it with ex=ttl_s"
    assert ttl <= 1000, f"the key cached with ttl_s = 1 should expire within 1 second, Redis says PTTL = {ttl} ms"


# --- Part 2: counters -------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="incr_counter: r.incrby('counter:' + name, amount) returns the new total; get_counter reads it as an int, 0 if missing.",
)
def test_counter_increments_and_reads(student: ModuleType, r: redis.Redis, client: Any) -> None:
    missing = call_ok(lambda: student.get_counter(client, "visits"), "get_counter(r, 'visits') before any increment")
    assert missing == 0 and type(missing) is int, f"a counter never incremented should read 0 (an int), got {missing!r}"
    got = [
        call_ok(lambda: student.incr_counter(client, "visits"), "incr_counter(r, 'visits')"),
        call_ok(lambda: student.incr_counter(client, "visits"), "incr_counter(r, 'visits')"),
        call_ok(lambda: student.incr_counter(client, "visits", 5), "incr_counter(r, 'visits', 5)"),
    ]
    assert got == [1, 2, 7], f"incr_counter should return the new totals [1, 2, 7], got {got!r}"
    assert all(type(n) is int for n in got), f"incr_counter should return ints, got {[type(n).__name__ for n in got]}"
    value = student.get_counter(client, "visits")
    assert value == 7 and type(value) is int, f"get_counter(r, 'visits') should be 7 (an int), got {value!r}"
    assert r.get("counter:visits") == "7", f"the counter should live in the key 'counter:visits', keys are {sorted(r.keys())}"
    other = student.get_counter(client, "downloads")
    assert other == 0, f"counters are independent: get_counter(r, 'downloads') should be 0, got {other!r}"


@pytest.mark.points(
    2, hint="Never GET, add, then SET: another client can write in between. INCR/INCRBY is one atomic command on the server."
)
def test_counter_concurrent_increments_are_exact(student: ModuleType, client: Any, helper: Any) -> None:
    threads, per_thread = 8, 150
    in_threads(helper, threads, student.incr_counter, [[client, "hits"]] * per_thread)
    expected = threads * per_thread
    got = student.get_counter(client, "hits")
    assert got == expected, (
        f"{threads} threads x {per_thread} increments should count exactly {expected}, got {got}: "
        f"{expected - got} increments were lost"
    )


@pytest.mark.points(1, hint="incr_counter raises ValueError when amount is not a positive int (0, -1, 1.5, '2').")
def test_counter_rejects_a_bad_amount(student: ModuleType, r: redis.Redis, client: Any) -> None:
    for amount in (0, -1, 1.5, "2"):
        assert_raises(
            ValueError,
            functools.partial(student.incr_counter, client, "visits", amount),
            f"incr_counter(r, 'visits', {amount!r})",
        )
    assert r.exists("counter:visits") == 0, (
        f"a rejected increment should not touch the counter, it holds {r.get('counter:visits')!r}"
    )


@pytest.mark.points(
    1, hint="bool is a subclass of int, so isinstance(True, int) is True: refuse True and False explicitly with ValueError."
)
def test_counter_rejects_booleans(student: ModuleType, r: redis.Redis, client: Any) -> None:
    for amount in (True, False):
        assert_raises(
            ValueError, functools.partial(student.incr_counter, client, "likes", amount), f"incr_counter(r, 'likes', {amount!r})"
        )
    assert r.exists("counter:likes") == 0, (
        f"a rejected increment should not touch the counter, it holds {r.get('counter:likes')!r}"
    )


# --- Part 3: allow (fixed-window rate limiter) ------------------------------------------------


@pytest.mark.points(
    2, hint="INCR 'rate:' + user; the request is allowed while the count is <= limit: exactly `limit` requests pass."
)
def test_allow_up_to_the_limit_then_denies(student: ModuleType, r: redis.Redis, client: Any) -> None:
    got = [call_ok(lambda: student.allow(client, "alice", 3, 60), "allow(r, 'alice', 3, 60)") for _ in range(5)]
    assert got == [True, True, True, False, False], (
        f"with limit 3 the first 3 requests pass and the rest are denied: expected [True, True, True, False, False], got {got!r}"
    )
    one = [student.allow(client, "carol", 1, 60) for _ in range(2)]
    assert one == [True, False], f"with limit 1 exactly one request passes: expected [True, False], got {one!r}"


@pytest.mark.points(1, hint="Each user has their own key 'rate:<user>': one user's requests never use up another's.")
def test_allow_users_are_independent(student: ModuleType, r: redis.Redis, client: Any) -> None:
    alice = [call_ok(lambda: student.allow(client, "alice", 2, 60), "allow(r, 'alice', 2, 60)") for _ in range(3)]
    bob = [call_ok(lambda: student.allow(client, "bob", 2, 60), "allow(r, 'bob', 2, 60)") for _ in range(2)]
    assert (alice, bob) == ([True, True, False], [True, True]), (
        f"alice's third request is denied but bob's first two pass: expected ([True, True, False], [True, True]), "
        f"got ({alice!r}, {bob!r})"
    )
    assert r.exists("rate:alice", "rate:bob") == 2, (
        f"the counts should live in 'rate:alice' and 'rate:bob', keys are {sorted(r.keys())}"
    )


@pytest.mark.points(
    2,
    hint="Set the expiry once, when the window starts (count == 1, or EXPIRE with nx=True); "
    "re-arming it on every request lets a busy user's window never end.",
)
def test_allow_sets_the_window_ttl_once(student: ModuleType, r: redis.Redis, client: Any) -> None:
    call_ok(lambda: student.allow(client, "dave", 2, 10), "allow(r, 'dave', 2, 10)")
    first = r.pttl("rate:dave")
    assert first != -2, f"allow should keep the count in the key 'rate:dave', keys are {sorted(r.keys())}"
    assert first != -1, "the key 'rate:dave' has no expiry, so the window never ends: EXPIRE it for window_s seconds"
    assert 9_000 <= first <= 10_000, f"the window's key should expire in window_s = 10 s, its PTTL is {first} ms"
    time.sleep(0.4)
    for _ in range(3):  # one more allowed request, then two denied ones
        student.allow(client, "dave", 2, 10)
    later = r.pttl("rate:dave")
    assert later <= first - 300, (
        f"0.4 s into the window its key should expire about 0.4 s sooner ({first} ms -> ~{first - 400} ms), "
        f"but PTTL is {later} ms: the expiry was reset by a later request"
    )


@pytest.mark.points(2, hint="When the key expires the window is over: the next request starts a new window and is allowed.")
def test_allow_window_resets_after_it_expires(student: ModuleType, r: redis.Redis, client: Any) -> None:
    got = [call_ok(lambda: student.allow(client, "erin", 2, 1), "allow(r, 'erin', 2, 1)") for _ in range(3)]
    assert got == [True, True, False], f"with limit 2 in a 1 s window: expected [True, True, False], got {got!r}"
    deadline = time.monotonic() + 2.5
    while r.exists("rate:erin") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not r.exists("rate:erin"), (
        "with window_s = 1 the key 'rate:erin' should expire within about a second, "
        f"it still exists (PTTL {r.pttl('rate:erin')} ms)"
    )
    after = [student.allow(client, "erin", 2, 1) for _ in range(3)]
    assert after == [True, True, False], (
        f"a new window should allow 2 requests again: expected [True, True, False], got {after!r}"
    )


@pytest.mark.points(
    1, hint="Decide from the value INCR returns: a GET, compare, then INCR lets concurrent requests slip past the limit."
)
def test_allow_is_exact_under_concurrency(student: ModuleType, client: Any, helper: Any) -> None:
    users = ("frank", "grace", "heidi", "ivan")
    calls = [[client, user, 50, 60] for user in users for _ in range(25)]
    results = in_threads(helper, 8, student.allow, calls)
    allowed = dict.fromkeys(users, 0)
    for thread in results:
        for (_, user, _, _), answer in zip(calls, thread if isinstance(thread, list) else [], strict=False):
            if answer is True:
                allowed[user] += 1
    expected = dict.fromkeys(users, 50)
    assert allowed == expected, (
        f"8 threads each making 25 requests per user with limit 50 should allow exactly 50 per user, allowed {allowed}"
    )


@pytest.mark.points(1, hint="allow raises ValueError when limit < 1 or window_s < 1.")
def test_allow_rejects_bad_arguments(student: ModuleType, r: redis.Redis, client: Any) -> None:
    cases = [("allow(r, 'gina', 0, 60)", 0, 60), ("allow(r, 'gina', -1, 60)", -1, 60), ("allow(r, 'gina', 5, 0)", 5, 0)]
    for what, limit, window in cases:
        assert_raises(ValueError, functools.partial(student.allow, client, "gina", limit, window), what)
    assert r.exists("rate:gina") == 0, "a rejected call should not count a request"


# --- Part 4: pub/sub --------------------------------------------------------------------------


@pytest.mark.points(
    2, hint="publish_event sends json.dumps(event) with r.publish(channel, ...): subscribers decode it with json.loads."
)
def test_publish_event_sends_json(student: ModuleType, r: redis.Redis, client: Any) -> None:
    event = {"type": "order.created", "id": 42, "paid": True, "coupon": None, "items": ["tea", "cake"]}
    with r.pubsub(ignore_subscribe_messages=True) as pubsub:
        pubsub.subscribe("orders")
        pubsub.get_message(timeout=1)  # the subscribe confirmation
        call_ok(lambda: student.publish_event(client, "orders", event), "publish_event(r, 'orders', event)")
        message = pubsub.get_message(timeout=3)
    assert message is not None and message.get("type") == "message", (
        f"a subscriber of 'orders' should receive the event within 3 s, got {message!r}"
    )
    assert message["channel"] == "orders", f"the event should be published on 'orders', got it on {message['channel']!r}"
    try:
        decoded = json.loads(message["data"])
    except ValueError:
        pytest.fail(f"the message should be JSON (json.dumps(event)), got {message['data']!r}", pytrace=False)
    assert decoded == event, f"the message should decode to {event!r}, got {decoded!r}"


@pytest.mark.points(1, hint="Return what r.publish returns: how many subscribers received the message (0 when nobody listens).")
def test_publish_event_returns_the_number_of_receivers(
    student: ModuleType, r: redis.Redis, client: Any, wait_for_subscribers: Callable[[str, int], int]
) -> None:
    nobody = call_ok(lambda: student.publish_event(client, "empty", {"n": 1}), "publish_event on a channel nobody listens to")
    assert nobody == 0, f"publish_event on a channel without subscribers should return 0, got {nobody!r}"
    listeners = [r.pubsub() for _ in range(2)]
    try:
        for listener in listeners:
            listener.subscribe("news")
        wait_for_subscribers("news", 2)
        two = student.publish_event(client, "news", {"n": 2})
    finally:
        for listener in listeners:
            listener.close()
    assert two == 2, f"publish_event should return the number of subscribers that got the event, 2, got {two!r}"


@pytest.mark.points(
    2,
    hint="Subscribe, then loop on get_message(timeout=...) until `count` messages arrived; decode each with json.loads, "
    "skip the subscribe confirmation and return as soon as you have `count`.",
)
def test_collect_messages_returns_decoded_events_in_order(
    student: ModuleType,
    r: redis.Redis,
    client: Any,
    run_in_thread: Callable[..., Any],
    wait_for_subscribers: Callable[[str, int], int],
) -> None:
    job = run_in_thread(student.collect_messages, client, "prices", 3, 5.0)
    if wait_for_subscribers("prices", 1) < 1:
        job.result(0.5, "collect_messages(r, 'prices', 3, 5.0)")
        pytest.fail("collect_messages(r, 'prices', 3, 5.0) should subscribe to 'prices', but it has no subscriber", pytrace=False)
    events = [{"sym": "ACME", "px": 12.5}, {"sym": "ACME", "px": 12.75, "halted": False}, {"sym": "INIT", "px": None}]
    started = time.monotonic()
    r.publish("elsewhere", json.dumps({"sym": "NOT", "px": 0}))  # another channel: not for this subscriber
    for event in events:
        r.publish("prices", json.dumps(event))
    got = job.result(4.0, "collect_messages(r, 'prices', 3, 5.0)")
    took = time.monotonic() - started
    assert got == events, f"collect_messages should return the 3 events decoded from JSON, in order: {events!r}, got {got!r}"
    assert took < 2.0, (
        f"collect_messages should return as soon as it has 3 messages, not wait for the timeout; it took {took:.1f} s"
    )


@pytest.mark.points(
    1,
    hint="Stop at the timeout with what arrived (maybe []), and always unsubscribe and close the PubSub (try/finally or `with`).",
)
def test_collect_messages_times_out_and_unsubscribes(
    student: ModuleType,
    r: redis.Redis,
    client: Any,
    run_in_thread: Callable[..., Any],
    wait_for_subscribers: Callable[[str, int], int],
) -> None:
    started = time.monotonic()
    job = run_in_thread(student.collect_messages, client, "quiet", 2, 0.6)
    if wait_for_subscribers("quiet", 1) >= 1:
        r.publish("quiet", json.dumps({"only": "one"}))
    got = job.result(3.0, "collect_messages(r, 'quiet', 2, 0.6) with one message published")
    took = time.monotonic() - started
    assert got == [{"only": "one"}], f"after the timeout collect_messages should return the one event that came, got {got!r}"
    assert 0.5 <= took < 2.0, f"collect_messages(..., timeout_s=0.6) should give up after about 0.6 s, it took {took:.2f} s"
    empty = call_ok(lambda: student.collect_messages(client, "silent", 1, 0.3), "collect_messages(r, 'silent', 1, 0.3)")
    assert empty == [], f"with no message before the timeout collect_messages should return [], got {empty!r}"
    deadline = time.monotonic() + 1.0  # the server drops a closed connection's subscriptions a moment later
    while True:
        left = {channel: int(dict(r.pubsub_numsub(channel)).get(channel, 0)) for channel in ("quiet", "silent")}
        if not any(left.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert left == {"quiet": 0, "silent": 0}, (
        f"once collect_messages returns it should have unsubscribed, but channels still have subscribers: {left}"
    )


@pytest.mark.points(
    1,
    hint="timeout_s is the total wait: compute deadline = time.monotonic() + timeout_s once, before the loop, and pass "
    "get_message the time left (deadline - now), never timeout_s again for each message.",
)
def test_collect_messages_timeout_is_the_total_wait(
    student: ModuleType,
    r: redis.Redis,
    client: Any,
    run_in_thread: Callable[..., Any],
    wait_for_subscribers: Callable[[str, int], int],
) -> None:
    what = "collect_messages(r, 'ticks', 1000, 1.0)"
    started = time.monotonic()
    job = run_in_thread(student.collect_messages, client, "ticks", 1000, 1.0)
    if wait_for_subscribers("ticks", 1) < 1:
        job.result(0.5, what)
        pytest.fail(f"{what} should subscribe to 'ticks', but it has no subscriber", pytrace=False)
    sent = 0
    while job.is_alive() and time.monotonic() - started < 6.0:  # a message every 0.1 s, for 6 s at most
        r.publish("ticks", json.dumps({"n": sent}))
        sent += 1
        time.sleep(0.1)
    if job.is_alive():
        pytest.fail(
            f"{what} should return once 1.0 s have passed since the call, whatever arrives meanwhile; with a message "
            f"every 0.1 s it was still running after {time.monotonic() - started:.1f} s ({sent} messages): "
            "timeout_s is the total wait, not a wait per message",
            pytrace=False,
        )
    got = job.result(1.0, what)
    expected = [{"n": n} for n in range(len(got))] if isinstance(got, list) else None
    assert got == expected, f"{what} should return the messages that arrived before the timeout, in order, got {got!r}"


@pytest.mark.points(
    1,
    hint="Close the PubSub on every way out, errors included (here json.loads on a message that is not JSON): "
    "`with r.pubsub() as pubsub:` or try/finally with pubsub.close().",
)
def test_collect_messages_unsubscribes_on_an_error(
    student: ModuleType,
    r: redis.Redis,
    client: Any,
    run_in_thread: Callable[..., Any],
    wait_for_subscribers: Callable[[str, int], int],
) -> None:
    what = "collect_messages(r, 'alerts', 2, 3.0)"
    job = run_in_thread(student.collect_messages, client, "alerts", 2, 3.0)
    if wait_for_subscribers("alerts", 1) < 1:
        job.result(0.5, what)
        pytest.fail(f"{what} should subscribe to 'alerts', but it has no subscriber", pytrace=False)
    r.publish("alerts", "this is not JSON {")
    state = job.wait(6.0)
    if state.get("running") is not False:
        pytest.fail(f"{what} should have returned within its 3 s timeout, it is still running after 6 s", pytrace=False)
    error = state.get("error")
    ended = "returned" if error is None else f"raised {str(error).split(':', 1)[0]}"
    deadline = time.monotonic() + 2.0  # the server drops a closed connection's subscriptions a moment later
    while (left := int(dict(r.pubsub_numsub("alerts")).get("alerts", 0))) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert left == 0, (
        f"after a message that is not JSON, {what} {ended}, but 'alerts' still has {left} subscriber: "
        "always unsubscribe and close the PubSub before leaving, also on an error"
    )


@pytest.mark.points(1, hint="collect_messages raises ValueError when count < 1 or timeout_s <= 0.")
def test_collect_messages_rejects_bad_arguments(student: ModuleType, r: redis.Redis, client: Any) -> None:
    for count, timeout in ((0, 1.0), (-1, 1.0), (1, 0), (1, -0.5)):
        assert_raises(
            ValueError,
            functools.partial(student.collect_messages, client, "news", count, timeout),
            f"collect_messages(r, 'news', {count!r}, {timeout!r})",
        )
