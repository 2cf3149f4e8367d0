"""Caching with a TTL, atomic counters, a rate limiter and pub/sub, on a real Redis server.

Fill in the six functions below; README.md says exactly what each must do. Every function takes
the Redis client to use: the tests pass one made with `decode_responses=True`, so Redis hands
back `str`, not `bytes`. Keep the two key prefixes: the grader reads those keys.
"""

import json  # noqa: F401  (you will need it)
from collections.abc import Callable
from typing import Any

import redis

COUNTER_PREFIX = "counter:"  # incr_counter(r, "visits") keeps its total in the key "counter:visits"
RATE_PREFIX = "rate:"  # allow(r, "alice", ...) counts alice's requests in the key "rate:alice"


# --- Part 1: cache-aside with a TTL ---------------------------------------------------------


def get_or_compute(r: redis.Redis, key: str, ttl_s: int, compute: Callable[[], Any]) -> Any:
    """The cached value of `key`; on a miss, `compute()` it and cache it as JSON for `ttl_s` s."""
    raise NotImplementedError("get_or_compute: not written yet")


# --- Part 2: counters -----------------------------------------------------------------------


def incr_counter(r: redis.Redis, name: str, amount: int = 1) -> int:
    """Add `amount` to the counter `name` in one atomic command; return the new total."""
    raise NotImplementedError("incr_counter: not written yet")


def get_counter(r: redis.Redis, name: str) -> int:
    """The counter's value; 0 for a counter that was never incremented."""
    raise NotImplementedError("get_counter: not written yet")


# --- Part 3: a fixed-window rate limiter ----------------------------------------------------


def allow(r: redis.Redis, user: str, limit: int, window_s: int) -> bool:
    """True while `user` has made at most `limit` requests in the current window of `window_s` s."""
    raise NotImplementedError("allow: not written yet")


# --- Part 4: pub/sub ------------------------------------------------------------------------


def publish_event(r: redis.Redis, channel: str, event: Any) -> int:
    """Publish `event` as JSON on `channel`; return how many subscribers received it."""
    raise NotImplementedError("publish_event: not written yet")


def collect_messages(r: redis.Redis, channel: str, count: int, timeout_s: float) -> list[Any]:
    """Subscribe to `channel` and return up to `count` decoded messages, waiting at most `timeout_s` s."""
    raise NotImplementedError("collect_messages: not written yet")
