"""Caching with a TTL, atomic counters, a rate limiter and pub/sub, on a real Redis server.

README.md says exactly what each function must do. Every function takes the Redis client to use;
the tests pass one made with `decode_responses=True`, so Redis hands back `str`, not `bytes`.
"""

import json
import time
from collections.abc import Callable
from typing import Any

import redis

COUNTER_PREFIX = "counter:"
RATE_PREFIX = "rate:"


# --- Part 1: cache-aside with a TTL ---------------------------------------------------------


def get_or_compute(r: redis.Redis, key: str, ttl_s: int, compute: Callable[[], Any]) -> Any:
    """The cached value of `key`; on a miss, `compute()` it and cache it as JSON for `ttl_s` s."""
    if ttl_s < 1:
        raise ValueError(f"ttl_s must be at least 1 second, got {ttl_s!r}")
    cached = r.get(key)
    if cached is not None:
        return json.loads(cached)
    value = compute()
    r.set(key, json.dumps(value), ex=ttl_s)
    return value


# --- Part 2: counters -----------------------------------------------------------------------


def incr_counter(r: redis.Redis, name: str, amount: int = 1) -> int:
    """Add `amount` to the counter `name` in one atomic INCRBY; return the new total."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"amount must be a positive int, got {amount!r}")
    return int(r.incrby(COUNTER_PREFIX + name, amount))


def get_counter(r: redis.Redis, name: str) -> int:
    """The counter's value; 0 for a counter that was never incremented."""
    value = r.get(COUNTER_PREFIX + name)
    return 0 if value is None else int(value)


# --- Part 3: a fixed-window rate limiter ----------------------------------------------------


def allow(r: redis.Redis, user: str, limit: int, window_s: int) -> bool:
    """True while `user` has made at most `limit` requests in the current window of `window_s` s."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    if window_s < 1:
        raise ValueError(f"window_s must be at least 1 second, got {window_s!r}")
    key = RATE_PREFIX + user
    pipe = r.pipeline(transaction=True)  # MULTI ... EXEC: both commands or neither
    pipe.incr(key)
    pipe.expire(key, window_s)
    count, _ = pipe.execute()
    return int(count) <= limit


# --- Part 4: pub/sub ------------------------------------------------------------------------


def publish_event(r: redis.Redis, channel: str, event: Any) -> int:
    """Publish `event` as JSON on `channel`; return how many subscribers received it."""
    return int(r.publish(channel, json.dumps(event)))


def collect_messages(r: redis.Redis, channel: str, count: int, timeout_s: float) -> list[Any]:
    """Subscribe to `channel` and return up to `count` decoded messages, waiting at most `timeout_s` s."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count!r}")
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
    deadline = time.monotonic() + timeout_s
    received: list[Any] = []
    with r.pubsub(ignore_subscribe_messages=True) as pubsub:  # closes the connection on the way out
        pubsub.subscribe(channel)
        while len(received) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            message = pubsub.get_message(timeout=remaining)
            if message is not None and message["type"] == "message":
                received.append(json.loads(message["data"]))
        pubsub.unsubscribe(channel)
    return received
