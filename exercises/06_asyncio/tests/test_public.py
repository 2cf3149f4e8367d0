"""Public tests for 06_asyncio: run `pytest` in exercises/06_asyncio.

They run every code cell of ../exercise.ipynb in one namespace (a cell that raises, or that uses a
top-level `await`, is skipped) and check a few examples from README.md with asyncio.run. The hidden
suite checks much more: concurrency peaks, timing, cancellation, errors and edge cases.
"""
from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "exercise.ipynb"


def run(function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """asyncio.run(function(*args)), then close the coroutines in args that were never awaited
    (an unfinished function does not await them, and Python would warn about each one)."""
    try:
        return asyncio.run(function(*args))
    finally:
        for arg in args:
            for item in arg if isinstance(arg, list) else [arg]:
                if inspect.iscoroutine(item):
                    item.close()


def load_notebook(path: Path) -> SimpleNamespace:
    """Exec the notebook's code cells in order into one namespace, ignoring cells that fail."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "exercise"}
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"]
        if isinstance(source, list):
            source = "".join(source)
        try:
            exec(compile(source, f"<cell {index}>", "exec"), namespace)
        except Exception:
            continue
    return SimpleNamespace(**namespace)


@pytest.fixture(scope="module")
def exercise() -> SimpleNamespace:
    return load_notebook(NOTEBOOK)


def test_fetch_all_order_and_limit(exercise: SimpleNamespace) -> None:
    running = 0
    peak = 0

    async def fake_fetch(url: str) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05 if url != "a" else 0.1)
        running -= 1
        return url.upper()

    got = run(exercise.fetch_all, ["a", "b", "c", "d", "e"], fake_fetch, 2)
    assert got == ["A", "B", "C", "D", "E"], f"fetch_all(['a'..'e'], fake_fetch, 2) should be ['A'..'E'] in order, got {got!r}"
    assert peak == 2, f"fetch_all with limit=2 should run 2 fetches at once at most (and reach 2), got {peak}"


def test_with_timeout_default(exercise: SimpleNamespace) -> None:
    got = run(exercise.with_timeout, asyncio.sleep(0.05, result="done"), 1.0, "late")
    assert got == "done", f"with_timeout(sleep 0.05 s -> 'done', 1.0, 'late') should be 'done', got {got!r}"
    got = run(exercise.with_timeout, asyncio.sleep(10, result="done"), 0.1, "late")
    assert got == "late", f"with_timeout(sleep 10 s -> 'done', 0.1, 'late') should be 'late', got {got!r}"


def test_run_all_batch_error(exercise: SimpleNamespace) -> None:
    async def fail(message: str) -> Any:
        await asyncio.sleep(0.01)
        raise ValueError(message)

    got = run(exercise.run_all, [asyncio.sleep(0.1, result=1), asyncio.sleep(0.05, result=2)])
    assert got == [1, 2], f"run_all of two sleeps returning 1 and 2 should be [1, 2], got {got!r}"
    with pytest.raises(exercise.BatchError) as info:
        run(exercise.run_all, [asyncio.sleep(0.05, result=1), fail("boom")])
    assert list(info.value.errors) == [1], f"BatchError.errors should have the key 1 only, got {info.value.errors!r}"


def test_race_first_to_finish(exercise: SimpleNamespace) -> None:
    got = run(exercise.race, [asyncio.sleep(0.3, result="slow"), asyncio.sleep(0.05, result="fast")])
    assert got == "fast", f"race of a 0.3 s 'slow' and a 0.05 s 'fast' should be 'fast', got {got!r}"
