"""Shared helpers for the 06_asyncio hidden suite.

The notebook's kernel already runs an event loop in its main thread, so `asyncio.run` cannot be
called there. `run` starts each scenario in a fresh event loop on a daemon thread and waits for it
with a time limit, so a coroutine that waits for ever fails its test with a clear message (and a
daemon thread never keeps the kernel alive).
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

RUN_LIMIT_S = 3.0


def run_in_fresh_loop(scenario: Coroutine[Any, Any, T], limit: float = RUN_LIMIT_S) -> T:
    """Run `scenario` with asyncio.run on its own thread; its result, or its exception raised here."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(scenario)
        except BaseException as exc:  # handed back to the test as it is
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="grader-event-loop", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise AssertionError(
            f"the coroutine did not finish within {limit:g} s: something is waiting for ever "
            "(a queue.join() whose items are never marked task_done, a task never cancelled, ...)"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def run() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    return run_in_fresh_loop
