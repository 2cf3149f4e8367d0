"""Hidden suite for 06_asyncio: the five coroutine functions of exercise.ipynb.

Every scenario runs in a fresh event loop (the `run` fixture, see conftest.py) with fake jobs built
on asyncio.sleep, so concurrency, timing and cancellation can be measured.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from types import ModuleType
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
Runner = Callable[[Coroutine[Any, Any, Any]], Any]


class Probe:
    """Fake jobs that record what started, what finished, what got cancelled and how many ran at once."""

    def __init__(self) -> None:
        self.current = 0
        self.peak = 0
        self.started: list[object] = []
        self.finished: list[object] = []
        self.cancelled: list[object] = []
        self.events: list[tuple[str, object]] = []  # ("start" | "finish", key), in the order they happened

    async def job(self, key: object, delay: float, result: object = None, error: Exception | None = None) -> Any:
        """Sleep `delay` seconds, then return `result` or raise `error`; a cancellation is recorded."""
        self.started.append(key)
        self.events.append(("start", key))
        self.current += 1
        self.peak = max(self.peak, self.current)
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self.cancelled.append(key)
            raise
        finally:
            self.current -= 1
        self.finished.append(key)
        self.events.append(("finish", key))
        if error is not None:
            raise error
        return result

    def fetcher(self, delays: dict[str, float]) -> Callable[[str], Awaitable[str]]:
        """A fake `fetch(url)` that sleeps delays[url] and returns 'body of <url>'."""

        async def fetch(url: str) -> str:
            return await self.job(url, delays[url], result=f"body of {url}")

        return fetch


@pytest.fixture
def probe() -> Probe:
    return Probe()


async def timed(aw: Awaitable[T]) -> tuple[T, float]:
    """Await `aw`; its result and how many seconds it took on the loop's clock."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    value = await aw
    return value, loop.time() - started


async def awaited(function: Callable[..., Any], *args: Any) -> Any:
    """Call `function(*args)` inside the running loop and await what it returns."""
    return await function(*args)


def pending_tasks() -> list[str]:
    """Names of the tasks of the running loop that are not done yet, apart from the current one."""
    current = asyncio.current_task()
    return sorted(task.get_name() for task in asyncio.all_tasks() if task is not current and not task.done())


def interpreter_wrapped(error: Exception) -> Exception:
    """The exception a `raise` inside `except*` raised, as Python 3.11.4 and later raise it.

    Before 3.11.4 (gh-103590) the interpreter itself wrapped a single exception raised in an
    `except*` block in a bare ExceptionGroup('', [exc]) with no cause and no context, e.g. for
    `except* Exception as group: raise group.exceptions[0] from None` around a TaskGroup. That
    wrapping is not the student's doing, so it is undone here; any other group (a TaskGroup's own,
    one the student built) is judged as it is.
    """
    if (
        sys.version_info < (3, 11, 4)
        and type(error) is ExceptionGroup
        and error.message == ""
        and len(error.exceptions) == 1
        and error.__cause__ is None
        and error.__context__ is None
        and isinstance(error.exceptions[0], Exception)
    ):
        return error.exceptions[0]
    return error


def outcome(run: Runner, scenario: Coroutine[Any, Any, Any]) -> tuple[Any, Exception | None]:
    """(value, None) when the scenario returned, (None, exception) when it raised."""
    try:
        return run(scenario), None
    except AssertionError:  # the scenario never finished (see conftest.run_in_fresh_loop): say so as it is
        raise
    except Exception as exc:  # the test decides what was expected
        return None, interpreter_wrapped(exc)


def described(value: Any, error: Exception | None) -> str:
    if error is None:
        return f"it returned {value!r}"
    return f"it raised {type(error).__name__}: {error}"


# --- fetch_all ---------------------------------------------------------------------------------


@pytest.mark.points(2, hint="asyncio.gather returns results in the order of its arguments, whatever finishes first.")
def test_fetch_all_keeps_the_order_of_urls(student: ModuleType, run: Runner, probe: Probe) -> None:
    delays = {"u0": 0.15, "u1": 0.05, "u2": 0.10, "u3": 0.01, "u4": 0.08}
    urls = list(delays)

    async def scenario() -> Any:
        return await student.fetch_all(urls, probe.fetcher(delays), 2)

    got = run(scenario())
    expected = [f"body of {url}" for url in urls]
    assert got == expected, f"fetch_all(urls, fetch, 2) should return {expected!r} (the order of urls), got {got!r}"


@pytest.mark.points(3, hint="Wrap each fetch in `async with semaphore:` where semaphore = asyncio.Semaphore(limit).")
def test_fetch_all_runs_at_most_limit_fetches_at_once(student: ModuleType, run: Runner) -> None:
    for count, limit in ((7, 3), (4, 10), (5, 1)):
        probe = Probe()
        delays = {f"https://example.com/{i}": 0.05 for i in range(count)}
        run(awaited(student.fetch_all, list(delays), probe.fetcher(delays), limit))
        expected = min(count, limit)
        assert probe.peak == expected, (
            f"fetch_all with {count} urls and limit={limit} should run {expected} fetches at the same time "
            f"at most (and reach it), got {probe.peak} at once"
        )


@pytest.mark.points(2, hint="The fetches must overlap: gather them all, the semaphore lets `limit` run at a time.")
def test_fetch_all_takes_rounds_of_limit(student: ModuleType, run: Runner, probe: Probe) -> None:
    delays = {f"url{i}": 0.1 for i in range(10)}

    async def scenario() -> Any:
        return await timed(student.fetch_all(list(delays), probe.fetcher(delays), 3))

    got, elapsed = run(scenario())
    assert len(got) == 10, f"fetch_all of 10 urls should return 10 results, got {got!r}"
    assert 0.35 <= elapsed < 0.7, (
        "fetch_all of 10 fetches of 0.1 s with limit=3 should take about 0.4 s (4 rounds; all at once "
        f"would be 0.1 s, one by one 1.0 s), took {elapsed:.2f} s"
    )


@pytest.mark.points(2, hint="Fixed batches wait for their slowest fetch: one semaphore over all fetches frees a slot at once.")
def test_fetch_all_starts_the_next_fetch_when_one_finishes(student: ModuleType, run: Runner, probe: Probe) -> None:
    delays = {"slow": 1.0, "quick1": 0.05, "quick2": 0.05, "quick3": 0.05}

    async def scenario() -> Any:
        return await student.fetch_all(list(delays), probe.fetcher(delays), 2)

    got = run(scenario())
    expected = [f"body of {url}" for url in delays]
    assert got == expected, f"fetch_all(urls, fetch, 2) should return {expected!r}, got {got!r}"
    slow_done = probe.events.index(("finish", "slow")) if ("finish", "slow") in probe.events else len(probe.events)
    early = [key for kind, key in probe.events[:slow_done] if kind == "start" and key != "slow"]
    assert early == ["quick1", "quick2", "quick3"], (
        "fetch_all(['slow', 'quick1', 'quick2', 'quick3'], fetch, 2), where 'slow' takes 1 s and the others 0.05 s, "
        "should start quick2 as soon as quick1 finishes, then quick3, all while 'slow' is still running; "
        f"fetches started before 'slow' finished: {early!r}"
    )


@pytest.mark.points(1, hint="No urls: gather() of nothing is [] and fetch is never called.")
def test_fetch_all_with_no_urls(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        return await student.fetch_all([], probe.fetcher({}), 3)

    value, error = outcome(run, scenario())
    assert error is None and value == [], f"fetch_all([], fetch, 3) should return [], {described(value, error)}"
    assert probe.started == [], f"fetch_all([], ...) should not call fetch, it fetched {probe.started!r}"


@pytest.mark.points(1, hint="Check `limit < 1` first and raise ValueError, before fetching anything.")
def test_fetch_all_rejects_a_limit_below_one(student: ModuleType, run: Runner) -> None:
    for limit in (0, -2):
        probe = Probe()
        delays = {"a": 0.01, "b": 0.01}
        value, error = outcome(run, awaited(student.fetch_all, list(delays), probe.fetcher(delays), limit))
        assert isinstance(error, ValueError), (
            f"fetch_all(urls, fetch, {limit}) should raise ValueError, {described(value, error)}"
        )
        assert probe.started == [], f"fetch_all with limit={limit} should not fetch anything, it fetched {probe.started!r}"


@pytest.mark.points(1, hint="Let the fetch's own exception out: gather raises it, a TaskGroup wraps it in an ExceptionGroup.")
def test_fetch_all_raises_a_failing_fetch_error(student: ModuleType, run: Runner, probe: Probe) -> None:
    failure = ConnectionError("bad: connection refused")

    async def fetch(url: str) -> str:
        if url == "bad":
            return await probe.job(url, 0.02, error=failure)
        return await probe.job(url, 0.05, result=url)

    async def scenario() -> Any:
        return await student.fetch_all(["good", "bad", "fine"], fetch, 2)

    value, error = outcome(run, scenario())
    assert error is failure, (
        "fetch_all should raise the very ConnectionError('bad: connection refused') of the failing fetch "
        f"(not a copy, not a group holding it), {described(value, error)}"
    )


# --- with_timeout ------------------------------------------------------------------------------


@pytest.mark.points(2, hint="asyncio.wait_for(aw, seconds) returns the result as soon as it is ready.")
def test_with_timeout_returns_the_result_in_time(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        return await timed(student.with_timeout(probe.job("quick", 0.05, result="done"), 1.0, "late"))

    got, elapsed = run(scenario())
    assert got == "done", f"with_timeout(job of 0.05 s returning 'done', 1.0, 'late') should return 'done', got {got!r}"
    assert elapsed < 0.5, f"with_timeout should return as soon as the job is done (about 0.05 s), took {elapsed:.2f} s"


@pytest.mark.points(2, hint="Catch the TimeoutError of asyncio.wait_for and return `default` itself.")
def test_with_timeout_returns_the_default_when_late(student: ModuleType, run: Runner, probe: Probe) -> None:
    sentinel = object()

    async def scenario() -> Any:
        first = await timed(student.with_timeout(probe.job("slow", 2.0, result="done"), 0.1, sentinel))
        second = await student.with_timeout(probe.job("slower", 2.0, result="done"), 0.05, None)
        return first, second

    (got, elapsed), second = run(scenario())
    assert got is sentinel, f"with_timeout(job of 2 s, 0.1, default) should return the very default object, got {got!r}"
    assert 0.08 <= elapsed < 0.5, f"with_timeout(job of 2 s, 0.1, default) should give up after about 0.1 s, took {elapsed:.2f} s"
    assert second is None, f"with_timeout(job of 2 s, 0.05, None) should return None, got {second!r}"


@pytest.mark.points(2, hint="A late awaitable must be cancelled before with_timeout returns; asyncio.wait_for does it.")
def test_with_timeout_cancels_the_late_awaitable(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        got = await student.with_timeout(probe.job("late", 2.0, result="done"), 0.1, "default")
        return got, list(probe.cancelled), pending_tasks()

    got, cancelled, pending = run(scenario())
    assert got == "default", f"with_timeout(job of 2 s, 0.1, 'default') should return 'default', got {got!r}"
    assert cancelled == ["late"], (
        f"the late job should already be cancelled when with_timeout returns; cancelled jobs: {cancelled!r}"
    )
    assert pending == [], f"no task should be left running after with_timeout returns, still running: {pending!r}"


@pytest.mark.points(1, hint="Only a timeout gives the default: catch TimeoutError, not Exception.")
def test_with_timeout_raises_errors_that_happen_in_time(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        return await student.with_timeout(probe.job("broken", 0.02, error=ValueError("bad input")), 1.0, "default")

    value, error = outcome(run, scenario())
    assert isinstance(error, ValueError) and str(error) == "bad input", (
        f"with_timeout(job raising ValueError('bad input') after 0.02 s, 1.0, 'default') should raise that "
        f"ValueError, {described(value, error)}"
    )


# --- run_all -----------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Hand every awaitable to one asyncio.gather call so that they all run at once.")
def test_run_all_returns_results_in_order_concurrently(student: ModuleType, run: Runner, probe: Probe) -> None:
    delays = [0.2, 0.1, 0.2, 0.05]
    names = ["a", "b", "c", "d"]

    async def scenario() -> Any:
        return await timed(student.run_all([probe.job(n, d, result=n.upper()) for n, d in zip(names, delays, strict=True)]))

    got, elapsed = run(scenario())
    assert got == ["A", "B", "C", "D"], f"run_all should return ['A', 'B', 'C', 'D'] (the order of aws), got {got!r}"
    assert probe.peak == 4 and elapsed < 0.4, (
        "run_all should run all 4 jobs at once and take about 0.2 s (one by one would be 0.55 s); "
        f"it ran {probe.peak} at once and took {elapsed:.2f} s"
    )


@pytest.mark.points(3, hint="gather(..., return_exceptions=True), then BatchError({position: exc}, results) if any failed.")
def test_run_all_raises_batch_error_with_positions(student: ModuleType, run: Runner, probe: Probe) -> None:
    first = ValueError("no such user")
    second = KeyError("missing")

    async def scenario() -> Any:
        return await student.run_all(
            [
                probe.job("ok1", 0.05, result=1),
                probe.job("bad1", 0.01, error=first),
                probe.job("ok2", 0.1, result=3),
                probe.job("bad2", 0.02, error=second),
            ]
        )

    value, error = outcome(run, scenario())
    assert isinstance(error, student.BatchError), (
        f"run_all should raise BatchError when 2 of 4 awaitables fail, {described(value, error)}"
    )
    assert str(error) == "2 of 4 awaitables failed", (
        "the BatchError of run_all with 2 failures out of 4 should say '2 of 4 awaitables failed' (the given "
        f"BatchError, unchanged, built as BatchError(errors, results)), it says {str(error)!r}"
    )
    errors = dict(error.errors)
    assert set(errors) == {1, 3} and errors[1] is first and errors[3] is second, (
        f"BatchError.errors should be {{1: {first!r}, 3: {second!r}}} (positions from 0), got {errors!r}"
    )
    results = list(error.results)
    expected = [1, first, 3, second]
    assert len(results) == 4 and all(
        got is want if isinstance(want, Exception) else got == want for got, want in zip(results, expected, strict=True)
    ), f"BatchError.results should be {expected!r} (each result or exception, in order), got {results!r}"


@pytest.mark.points(1, hint="A failure must not cancel the others: return_exceptions=True waits for all of them.")
def test_run_all_waits_for_every_awaitable(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        return await student.run_all(
            [probe.job("fails", 0.01, error=RuntimeError("boom")), probe.job("slow", 0.15, result="ok")]
        )

    value, error = outcome(run, scenario())
    assert error is not None and type(error).__name__ == "BatchError", (
        f"run_all with one failing awaitable should raise BatchError, {described(value, error)}"
    )
    assert "slow" in probe.finished and probe.cancelled == [], (
        "run_all should let the slow awaitable finish although another failed first; "
        f"finished: {probe.finished!r}, cancelled: {probe.cancelled!r}"
    )


@pytest.mark.points(1, hint="No awaitables: gather() of nothing gives [].")
def test_run_all_with_nothing(student: ModuleType, run: Runner) -> None:
    async def scenario() -> Any:
        return await student.run_all([])

    value, error = outcome(run, scenario())
    assert error is None and value == [], f"run_all([]) should return [], {described(value, error)}"


# --- pipeline ----------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Put (index, item) pairs on the queue and store each result at its index.")
def test_pipeline_keeps_the_order_of_items(student: ModuleType, run: Runner, probe: Probe) -> None:
    delays = {1: 0.12, 2: 0.02, 3: 0.08, 4: 0.01, 5: 0.05, 6: 0.03}

    async def transform(item: int) -> int:
        return await probe.job(item, delays[item], result=item * 10)

    async def scenario() -> Any:
        return await student.pipeline(list(delays), transform, 2)

    got = run(scenario())
    expected = [10, 20, 30, 40, 50, 60]
    assert got == expected, f"pipeline([1..6], x -> 10x, 2) should return {expected!r} (the order of items), got {got!r}"


@pytest.mark.points(2, hint="Start exactly `workers` consumer tasks with asyncio.create_task, each looping on queue.get().")
def test_pipeline_runs_workers_consumers(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def transform(item: str) -> str:
        return await probe.job(item, 0.1, result=item * 2)

    async def scenario() -> Any:
        return await timed(student.pipeline(iter("abcdef"), transform, 3))

    got, elapsed = run(scenario())
    assert got == ["aa", "bb", "cc", "dd", "ee", "ff"], f"pipeline(iter('abcdef'), x -> 2x, 3) gave {got!r}"
    assert probe.peak == 3, f"pipeline with workers=3 should process 3 items at the same time, got {probe.peak}"
    assert 0.15 <= elapsed < 0.4, (
        f"pipeline of 6 items of 0.1 s with 3 workers should take about 0.2 s, took {elapsed:.2f} s"
    )


@pytest.mark.points(2, hint="In the worker: try/except Exception around transform, and queue.task_done() in finally.")
def test_pipeline_stores_errors_and_carries_on(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def transform(item: int) -> int:
        if item == 2:
            return await probe.job(item, 0.01, error=ValueError("two is not allowed"))
        return await probe.job(item, 0.03, result=item * 10)

    async def scenario() -> Any:
        return await student.pipeline([1, 2, 3, 4], transform, 2)

    value, error = outcome(run, scenario())
    assert error is None, f"pipeline should not raise when transform fails for one item, {described(value, error)}"
    got = list(value)
    assert len(got) == 4 and got[0] == 10 and got[2:] == [30, 40], (
        f"pipeline([1, 2, 3, 4], ...) should still give 10, 30 and 40 for the good items, got {got!r}"
    )
    assert isinstance(got[1], ValueError) and str(got[1]) == "two is not allowed", (
        f"pipeline should store transform's ValueError('two is not allowed') at index 1, got {got[1]!r}"
    )


@pytest.mark.points(2, hint="After queue.join(), cancel every worker task and await them (asyncio.gather).")
def test_pipeline_leaves_no_task_running(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def transform(item: int) -> int:
        return await probe.job(item, 0.02, result=item)

    async def scenario() -> Any:
        got = await student.pipeline(range(5), transform, 3)
        return got, pending_tasks()

    got, pending = run(scenario())
    assert list(got) == [0, 1, 2, 3, 4], f"pipeline(range(5), identity, 3) should return [0, 1, 2, 3, 4], got {got!r}"
    assert pending == [], (
        f"pipeline should cancel its workers and wait for them before returning, still running: {pending!r}"
    )


@pytest.mark.points(1, hint="Only workers < 1 raises ValueError (one worker is fine); no items gives [] (queue.join() returns at once).")
def test_pipeline_edge_cases(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def transform(item: int) -> int:
        return await probe.job(item, 0.01, result=item)

    async def bad_workers() -> Any:
        return await student.pipeline([1, 2], transform, 0)

    value, error = outcome(run, bad_workers())
    assert isinstance(error, ValueError), f"pipeline(items, transform, 0) should raise ValueError, {described(value, error)}"

    async def one_worker() -> Any:
        return await student.pipeline([1, 2, 3], transform, 1)

    value, error = outcome(run, one_worker())
    assert error is None and list(value) == [1, 2, 3], (
        f"pipeline([1, 2, 3], transform, 1) should run with one consumer and return [1, 2, 3], {described(value, error)}"
    )

    async def no_items() -> Any:
        got = await student.pipeline([], transform, 2)
        return got, pending_tasks()

    value, error = outcome(run, no_items())
    assert error is None and list(value[0]) == [] and value[1] == [], (
        f"pipeline([], transform, 2) should return [] and leave no task running, {described(value, error)}"
    )


# --- race --------------------------------------------------------------------------------------


@pytest.mark.points(2, hint="asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED) returns when one is done.")
def test_race_returns_the_first_to_finish(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        return await timed(
            student.race([probe.job("a", 0.3, result="slow"), probe.job("b", 0.05, result="fast"), probe.job("c", 0.2)])
        )

    got, elapsed = run(scenario())
    assert got == "fast", f"race of jobs taking 0.3, 0.05 and 0.2 s should return the 0.05 s job's 'fast', got {got!r}"
    assert elapsed < 0.25, f"race should return as soon as the first job is done (about 0.05 s), took {elapsed:.2f} s"


@pytest.mark.points(2, hint="Cancel the losers, then await them (asyncio.gather(..., return_exceptions=True)) before returning.")
def test_race_cancels_and_awaits_the_losers(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        got = await student.race(
            [probe.job("a", 0.3, result="slow"), probe.job("b", 0.05, result="fast"), probe.job("c", 0.2)]
        )
        return got, sorted(map(str, probe.cancelled)), pending_tasks()

    got, cancelled, pending = run(scenario())
    assert got == "fast", f"race should return 'fast', got {got!r}"
    assert cancelled == ["a", "c"], (
        f"jobs 'a' and 'c' should be cancelled, and their clean-up done, by the time race returns; cancelled: {cancelled!r}"
    )
    assert pending == [], f"no task should be left running after race returns, still running: {pending!r}"


@pytest.mark.points(1, hint="If the first task to finish failed, return winner.result() raises its exception.")
def test_race_raises_the_error_of_the_first_to_finish(student: ModuleType, run: Runner, probe: Probe) -> None:
    async def scenario() -> Any:
        return await student.race([probe.job("ok", 0.2, result="ok"), probe.job("bad", 0.02, error=LookupError("gone"))])

    value, error = outcome(run, scenario())
    assert isinstance(error, LookupError) and str(error) == "gone", (
        f"race whose first job to finish raises LookupError('gone') should raise it, {described(value, error)}"
    )
    assert probe.cancelled == ["ok"], f"the other job should be cancelled, cancelled jobs: {probe.cancelled!r}"


@pytest.mark.points(1, hint="Several tasks can be in `done` at once: take the first of them in the order of aws.")
def test_race_breaks_a_tie_by_the_order_of_aws(student: ModuleType, run: Runner) -> None:
    async def instant(result: str) -> str:
        return result  # never waits: all three finish in the same turn of the loop, so all are in `done`

    async def scenario() -> Any:
        return await student.race([instant("first"), instant("second"), instant("third")])

    value, error = outcome(run, scenario())
    assert error is None and value == "first", (
        "race of three awaitables that all finish at the same moment should return the first one's 'first', "
        f"{described(value, error)}"
    )


@pytest.mark.points(1, hint="Nothing to race: raise ValueError.")
def test_race_rejects_no_awaitables(student: ModuleType, run: Runner) -> None:
    async def scenario() -> Any:
        return await student.race([])

    value, error = outcome(run, scenario())
    assert isinstance(error, ValueError), f"race([]) should raise ValueError, {described(value, error)}"
