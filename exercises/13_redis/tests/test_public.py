"""Public tests for 13_redis. Run `pytest` in this exercise's folder.

They start their own redis-server on a free port of 127.0.0.1 (nothing is written to disk) and
are skipped when `redis-server` is not on your PATH: install it (`apt install redis-server`,
`brew install redis`) or run them where it is. They show the shape of the hidden suite, which
checks much more (TTLs, falsy values, errors, concurrency, window resets, timeouts). They fail
until cache.py is written.
"""

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find cache.py next to tests/

import cache

REDIS_SERVER = shutil.which("redis-server")


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not on the PATH: install Redis to run these tests locally")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with tempfile.TemporaryDirectory() as workdir:
        command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        for _ in range(250):  # up to 5 s for the server to answer PING
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        else:
            proc.kill()
            pytest.fail("redis-server did not start")
        client.close()
        yield port
        proc.terminate()
        proc.wait(timeout=5)


@pytest.fixture
def r(server_port: int) -> Iterator[redis.Redis]:
    client = redis.Redis(port=server_port, decode_responses=True)
    client.flushdb()
    yield client
    client.close()


def test_get_or_compute_caches_with_a_ttl(r: redis.Redis) -> None:
    calls = []

    def compute() -> Any:
        calls.append(1)
        return {"id": 7, "name": "Ada"}

    first = cache.get_or_compute(r, "user:7", 30, compute)
    second = cache.get_or_compute(r, "user:7", 30, compute)
    assert first == second == {"id": 7, "name": "Ada"}, f"both calls should return the value, got {first!r} and {second!r}"
    assert len(calls) == 1, f"the second call should be a cache hit, but compute() ran {len(calls)} times"
    assert json.loads(r.get("user:7")) == {"id": 7, "name": "Ada"}, "the value should be cached as JSON"
    assert 29 <= r.ttl("user:7") <= 30, f"the entry should expire in 30 s, its TTL is {r.ttl('user:7')}"


def test_counters(r: redis.Redis) -> None:
    assert cache.get_counter(r, "visits") == 0, "a counter never incremented reads 0"
    got = [cache.incr_counter(r, "visits"), cache.incr_counter(r, "visits", 5)]
    assert got == [1, 6], f"incr_counter should return the new totals [1, 6], got {got!r}"
    assert cache.get_counter(r, "visits") == 6
    assert r.get("counter:visits") == "6", "the counter lives in the key 'counter:visits'"


def test_allow_up_to_the_limit(r: redis.Redis) -> None:
    got = [cache.allow(r, "alice", 3, 60) for _ in range(4)]
    assert got == [True, True, True, False], f"with limit 3: expected [True, True, True, False], got {got!r}"
    assert cache.allow(r, "bob", 3, 60) is True, "bob has his own window"
    assert 59 <= r.ttl("rate:alice") <= 60, f"the window's key should expire in 60 s, its TTL is {r.ttl('rate:alice')}"


def test_publish_and_collect(r: redis.Redis) -> None:
    collected: list[Any] = []
    errors: list[Exception] = []

    def listen() -> None:
        try:
            collected.extend(cache.collect_messages(r, "orders", 2, 5.0))
        except Exception as exc:
            errors.append(exc)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    deadline = time.monotonic() + 3
    while not dict(r.pubsub_numsub("orders")).get("orders"):  # wait until collect_messages has subscribed
        assert not errors, f"collect_messages raised {errors[0]!r}"
        assert listener.is_alive(), "collect_messages returned before anything was published"
        assert time.monotonic() < deadline, "collect_messages did not subscribe to 'orders' within 3 s"
        time.sleep(0.01)
    receivers = cache.publish_event(r, "orders", {"id": 1, "paid": True})
    cache.publish_event(r, "orders", {"id": 2, "paid": False})
    listener.join(timeout=5)
    assert receivers == 1, f"publish_event should return 1 (one subscriber got it), got {receivers!r}"
    assert collected == [{"id": 1, "paid": True}, {"id": 2, "paid": False}], f"collect_messages got {collected!r}"
