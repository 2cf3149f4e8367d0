"""Hidden suite for 06_asyncio: the five coroutine functions of exercise.ipynb.

Every scenario is played in the student's process, in a fresh event loop, with fake jobs built on
asyncio.sleep (the `scene` fixture, see conftest.py), so concurrency, timing and cancellation can be
measured there. A test describes its jobs as plain data and gets back a plain report: what the call
returned or raised (`returned` / `raised`), how long it took (`elapsed`), what the jobs saw when the
call returned (`at_return`) and after the loop closed (`final`), and the tasks still running when
it returned (`pending`). Every expected value and every check is here, never in the helper.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from conftest import Report, Scene

Job = dict[str, Any]


def job(delay: float | None, result: object = None, error: tuple[str, str] | None = None) -> Job:
    """A fake job: sleep `delay` seconds (None: never wait), then return `result` or raise
    `error` (a built-in exception's name and its message)."""
    return {"delay": delay, "result": result, "error": list(error) if error else None}


def shown(value: Any) -> str:
    """A value of a report as the student would write it."""
    if isinstance(value, dict) and "$exception" in value:
        return str(value.get("repr"))
    if isinstance(value, dict) and "$same" in value:
        return "the default object itself" if value["$same"] == "default" else f"the object of {value['$same']!r}"
    if isinstance(value, dict) and "$object" in value:
        return str(value.get("repr"))
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(shown(item) for item in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{shown(key)}: {shown(item)}" for key, item in value.items()) + "}"
    return repr(value)


def described(report: Report) -> str:
    if "raised" in report:
        error = report["raised"]
        return f"it raised {error['$exception']}: {error['message']}"
    return f"it returned {shown(report.get('returned'))}"


def returned(report: Report, call: str) -> Any:
    """What the call returned; a failed test saying what it raised instead."""
    if "raised" in report:
        raise AssertionError(f"{call} should return, {described(report)}")
    return report.get("returned")


def raised(report: Report, kind: str) -> bool:
    """Whether the call raised an exception of the built-in (or notebook) class named `kind`."""
    error = report.get("raised")
    return isinstance(error, dict) and kind in error.get("classes", [])


def is_error(value: Any, kind: str, message: str) -> bool:
    """Whether `value` (of a report) is an exception of class `kind` whose str() is `message`."""
    return isinstance(value, dict) and kind in value.get("classes", []) and value.get("message") == message


def is_job_error(value: Any, key: str) -> bool:
    """Whether `value` (of a report) is the very exception object the job `key` raised."""
    return isinstance(value, dict) and "$exception" in value and value.get("same") == key


# --- fetch_all ---------------------------------------------------------------------------------


def bodies(delays: dict[str, float]) -> dict[str, Job]:
    """Fake fetches: url -> a job that sleeps delays[url] and returns 'body of <url>'."""
    return {url: job(delay, result=f"body of {url}") for url, delay in delays.items()}


@pytest.mark.points(2, hint="asyncio.gather returns results in the order of its arguments, whatever finishes first.")
def test_fetch_all_keeps_the_order_of_urls(student: ModuleType, scene: Scene) -> None:
    delays = {"u0": 0.15, "u1": 0.05, "u2": 0.10, "u3": 0.01, "u4": 0.08}
    urls = list(delays)
    got = returned(scene("fetch_all", bodies(delays), urls, 2), "fetch_all(urls, fetch, 2)")
    expected = [f"body of {url}" for url in urls]
    assert got == expected, f"fetch_all(urls, fetch, 2) should return {expected!r} (the order of urls), got {shown(got)}"


@pytest.mark.points(3, hint="Wrap each fetch in `async with semaphore:` where semaphore = asyncio.Semaphore(limit).")
def test_fetch_all_runs_at_most_limit_fetches_at_once(student: ModuleType, scene: Scene) -> None:
    for count, limit in ((7, 3), (4, 10), (5, 1)):
        delays = {f"https://example.com/{i}": 0.05 for i in range(count)}
        report = scene("fetch_all", bodies(delays), list(delays), limit)
        returned(report, f"fetch_all of {count} urls with limit={limit}")
        peak = report["final"]["peak"]
        expected = min(count, limit)
        assert peak == expected, (
            f"fetch_all with {count} urls and limit={limit} should run {expected} fetches at the same time "
            f"at most (and reach it), got {peak} at once"
        )


@pytest.mark.points(2, hint="The fetches must overlap: gather them all, the semaphore lets `limit` run at a time.")
def test_fetch_all_takes_rounds_of_limit(student: ModuleType, scene: Scene) -> None:
    delays = {f"url{i}": 0.1 for i in range(10)}
    report = scene("fetch_all", bodies(delays), list(delays), 3)
    got, elapsed = returned(report, "fetch_all of 10 urls with limit=3"), report["elapsed"]
    assert isinstance(got, list) and len(got) == 10, f"fetch_all of 10 urls should return 10 results, got {shown(got)}"
    assert 0.35 <= elapsed < 0.7, (
        "fetch_all of 10 fetches of 0.1 s with limit=3 should take about 0.4 s (4 rounds; all at once "
        f"would be 0.1 s, one by one 1.0 s), took {elapsed:.2f} s"
    )


@pytest.mark.points(2, hint="Fixed batches wait for their slowest fetch: one semaphore over all fetches frees a slot at once.")
def test_fetch_all_starts_the_next_fetch_when_one_finishes(student: ModuleType, scene: Scene) -> None:
    delays = {"slow": 1.0, "quick1": 0.05, "quick2": 0.05, "quick3": 0.05}
    report = scene("fetch_all", bodies(delays), list(delays), 2)
    got = returned(report, "fetch_all(urls, fetch, 2)")
    expected = [f"body of {url}" for url in delays]
    assert got == expected, f"fetch_all(urls, fetch, 2) should return {expected!r}, got {shown(got)}"
    events = report["final"]["events"]
    slow_done = events.index(("finish", "slow")) if ("finish", "slow") in events else len(events)
    early = [key for kind, key in events[:slow_done] if kind == "start" and key != "slow"]
    assert early == ["quick1", "quick2", "quick3"], (
        "fetch_all(['slow', 'quick1', 'quick2', 'quick3'], fetch, 2), where 'slow' takes 1 s and the others 0.05 s, "
        "should start quick2 as soon as quick1 finishes, then quick3, all while 'slow' is still running; "
        f"fetches started before 'slow' finished: {early!r}"
    )


@pytest.mark.points(1, hint="No urls: gather() of nothing is [] and fetch is never called.")
def test_fetch_all_with_no_urls(student: ModuleType, scene: Scene) -> None:
    report = scene("fetch_all", {}, [], 3)
    assert "raised" not in report and report.get("returned") == [], (
        f"fetch_all([], fetch, 3) should return [], {described(report)}"
    )
    started = report["final"]["started"]
    assert started == [], f"fetch_all([], ...) should not call fetch, it fetched {started!r}"


@pytest.mark.points(1, hint="Check `limit < 1` first and raise ValueError, before fetching anything.")
def test_fetch_all_rejects_a_limit_below_one(student: ModuleType, scene: Scene) -> None:
    for limit in (0, -2):
        delays = {"a": 0.01, "b": 0.01}
        report = scene("fetch_all", bodies(delays), list(delays), limit)
        assert raised(report, "ValueError"), f"fetch_all(urls, fetch, {limit}) should raise ValueError, {described(report)}"
        started = report["final"]["started"]
        assert started == [], f"fetch_all with limit={limit} should not fetch anything, it fetched {started!r}"


@pytest.mark.points(1, hint="Let the fetch's own exception out: gather raises it, a TaskGroup wraps it in an ExceptionGroup.")
def test_fetch_all_raises_a_failing_fetch_error(student: ModuleType, scene: Scene) -> None:
    jobs = {
        "good": job(0.05, result="good"),
        "bad": job(0.02, error=("ConnectionError", "bad: connection refused")),
        "fine": job(0.05, result="fine"),
    }
    report = scene("fetch_all", jobs, ["good", "bad", "fine"], 2)
    assert is_job_error(report.get("raised"), "bad"), (
        "fetch_all should raise the very ConnectionError('bad: connection refused') of the failing fetch "
        f"(not a copy, not a group holding it), {described(report)}"
    )


# --- with_timeout ------------------------------------------------------------------------------


@pytest.mark.points(2, hint="asyncio.wait_for(aw, seconds) returns the result as soon as it is ready.")
def test_with_timeout_returns_the_result_in_time(student: ModuleType, scene: Scene) -> None:
    report = scene("with_timeout", {"quick": job(0.05, result="done")}, "quick", 1.0, "late", False)
    got = returned(report, "with_timeout(job of 0.05 s returning 'done', 1.0, 'late')")
    assert got == "done", f"with_timeout(job of 0.05 s returning 'done', 1.0, 'late') should return 'done', got {shown(got)}"
    elapsed = report["elapsed"]
    assert elapsed < 0.5, f"with_timeout should return as soon as the job is done (about 0.05 s), took {elapsed:.2f} s"


@pytest.mark.points(2, hint="Catch the TimeoutError of asyncio.wait_for and return `default` itself.")
def test_with_timeout_returns_the_default_when_late(student: ModuleType, scene: Scene) -> None:
    first = scene("with_timeout", {"slow": job(2.0, result="done")}, "slow", 0.1, None, True)
    got = returned(first, "with_timeout(job of 2 s, 0.1, default)")
    assert got == {"$same": "default"}, (
        f"with_timeout(job of 2 s, 0.1, default) should return the very default object, got {shown(got)}"
    )
    elapsed = first["elapsed"]
    assert 0.08 <= elapsed < 0.5, f"with_timeout(job of 2 s, 0.1, default) should give up after about 0.1 s, took {elapsed:.2f} s"
    second = returned(
        scene("with_timeout", {"slower": job(2.0, result="done")}, "slower", 0.05, None, False),
        "with_timeout(job of 2 s, 0.05, None)",
    )
    assert second is None, f"with_timeout(job of 2 s, 0.05, None) should return None, got {shown(second)}"


@pytest.mark.points(2, hint="A late awaitable must be cancelled before with_timeout returns; asyncio.wait_for does it.")
def test_with_timeout_cancels_the_late_awaitable(student: ModuleType, scene: Scene) -> None:
    report = scene("with_timeout", {"late": job(2.0, result="done")}, "late", 0.1, "default", False)
    got = returned(report, "with_timeout(job of 2 s, 0.1, 'default')")
    assert got == "default", f"with_timeout(job of 2 s, 0.1, 'default') should return 'default', got {shown(got)}"
    cancelled = report["at_return"]["cancelled"]
    assert cancelled == ["late"], (
        f"the late job should already be cancelled when with_timeout returns; cancelled jobs: {cancelled!r}"
    )
    pending = report["pending"]
    assert pending == [], f"no task should be left running after with_timeout returns, still running: {pending!r}"


@pytest.mark.points(1, hint="Only a timeout gives the default: catch TimeoutError, not Exception.")
def test_with_timeout_raises_errors_that_happen_in_time(student: ModuleType, scene: Scene) -> None:
    jobs = {"broken": job(0.02, error=("ValueError", "bad input"))}
    report = scene("with_timeout", jobs, "broken", 1.0, "default", False)
    assert is_error(report.get("raised"), "ValueError", "bad input"), (
        f"with_timeout(job raising ValueError('bad input') after 0.02 s, 1.0, 'default') should raise that "
        f"ValueError, {described(report)}"
    )


# --- run_all -----------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Hand every awaitable to one asyncio.gather call so that they all run at once.")
def test_run_all_returns_results_in_order_concurrently(student: ModuleType, scene: Scene) -> None:
    jobs = {name: job(delay, result=name.upper()) for name, delay in (("a", 0.2), ("b", 0.1), ("c", 0.2), ("d", 0.05))}
    report = scene("run_all", jobs, list(jobs))
    got = returned(report, "run_all of 4 jobs")
    assert got == ["A", "B", "C", "D"], f"run_all should return ['A', 'B', 'C', 'D'] (the order of aws), got {shown(got)}"
    peak, elapsed = report["final"]["peak"], report["elapsed"]
    assert peak == 4 and elapsed < 0.4, (
        "run_all should run all 4 jobs at once and take about 0.2 s (one by one would be 0.55 s); "
        f"it ran {peak} at once and took {elapsed:.2f} s"
    )


@pytest.mark.points(3, hint="gather(..., return_exceptions=True), then BatchError({position: exc}, results) if any failed.")
def test_run_all_raises_batch_error_with_positions(student: ModuleType, scene: Scene) -> None:
    jobs = {
        "ok1": job(0.05, result=1),
        "bad1": job(0.01, error=("ValueError", "no such user")),
        "ok2": job(0.1, result=3),
        "bad2": job(0.02, error=("KeyError", "missing")),
    }
    report = scene("run_all", jobs, list(jobs))
    assert raised(report, "BatchError"), f"run_all should raise BatchError when 2 of 4 awaitables fail, {described(report)}"
    error = report["raised"]
    assert error["message"] == "2 of 4 awaitables failed", (
        "the BatchError of run_all with 2 failures out of 4 should say '2 of 4 awaitables failed' (the given "
        f"BatchError, unchanged, built as BatchError(errors, results)), it says {error['message']!r}"
    )
    first, second = "ValueError('no such user')", "KeyError('missing')"
    errors = error["attrs"].get("errors")
    assert (
        isinstance(errors, dict) and set(errors) == {1, 3} and is_job_error(errors[1], "bad1") and is_job_error(errors[3], "bad2")
    ), f"BatchError.errors should be {{1: {first}, 3: {second}}} (positions from 0), got {shown(errors)}"
    results = error["attrs"].get("results")
    expected = f"[1, {first}, 3, {second}]"
    assert (
        isinstance(results, list)
        and len(results) == 4
        and results[0] == 1
        and is_job_error(results[1], "bad1")
        and results[2] == 3
        and is_job_error(results[3], "bad2")
    ), f"BatchError.results should be {expected} (each result or exception, in order), got {shown(results)}"


@pytest.mark.points(1, hint="A failure must not cancel the others: return_exceptions=True waits for all of them.")
def test_run_all_waits_for_every_awaitable(student: ModuleType, scene: Scene) -> None:
    jobs = {"fails": job(0.01, error=("RuntimeError", "boom")), "slow": job(0.15, result="ok")}
    report = scene("run_all", jobs, list(jobs))
    error = report.get("raised")
    assert isinstance(error, dict) and error.get("$exception") == "BatchError", (
        f"run_all with one failing awaitable should raise BatchError, {described(report)}"
    )
    finished, cancelled = report["final"]["finished"], report["final"]["cancelled"]
    assert "slow" in finished and cancelled == [], (
        "run_all should let the slow awaitable finish although another failed first; "
        f"finished: {finished!r}, cancelled: {cancelled!r}"
    )


@pytest.mark.points(1, hint="No awaitables: gather() of nothing gives [].")
def test_run_all_with_nothing(student: ModuleType, scene: Scene) -> None:
    report = scene("run_all", {}, [])
    assert "raised" not in report and report.get("returned") == [], f"run_all([]) should return [], {described(report)}"


# --- pipeline ----------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Put (index, item) pairs on the queue and store each result at its index.")
def test_pipeline_keeps_the_order_of_items(student: ModuleType, scene: Scene) -> None:
    delays = {1: 0.12, 2: 0.02, 3: 0.08, 4: 0.01, 5: 0.05, 6: 0.03}
    jobs = {item: job(delay, result=item * 10) for item, delay in delays.items()}
    got = returned(scene("pipeline", jobs, list(delays), "list", 2), "pipeline([1..6], x -> 10x, 2)")
    expected = [10, 20, 30, 40, 50, 60]
    assert got == expected, f"pipeline([1..6], x -> 10x, 2) should return {expected!r} (the order of items), got {shown(got)}"


@pytest.mark.points(2, hint="Start exactly `workers` consumer tasks with asyncio.create_task, each looping on queue.get().")
def test_pipeline_runs_workers_consumers(student: ModuleType, scene: Scene) -> None:
    jobs = {item: job(0.1, result=item * 2) for item in "abcdef"}
    report = scene("pipeline", jobs, "abcdef", "iterator", 3)
    got = returned(report, "pipeline(iter('abcdef'), x -> 2x, 3)")
    assert got == ["aa", "bb", "cc", "dd", "ee", "ff"], f"pipeline(iter('abcdef'), x -> 2x, 3) gave {shown(got)}"
    peak, elapsed = report["final"]["peak"], report["elapsed"]
    assert peak == 3, f"pipeline with workers=3 should process 3 items at the same time, got {peak}"
    assert 0.15 <= elapsed < 0.4, f"pipeline of 6 items of 0.1 s with 3 workers should take about 0.2 s, took {elapsed:.2f} s"


@pytest.mark.points(2, hint="In the worker: try/except Exception around transform, and queue.task_done() in finally.")
def test_pipeline_stores_errors_and_carries_on(student: ModuleType, scene: Scene) -> None:
    jobs = {item: job(0.03, result=item * 10) for item in (1, 3, 4)}
    jobs[2] = job(0.01, error=("ValueError", "two is not allowed"))
    report = scene("pipeline", jobs, [1, 2, 3, 4], "list", 2)
    assert "raised" not in report, f"pipeline should not raise when transform fails for one item, {described(report)}"
    got = report.get("returned")
    assert isinstance(got, list) and len(got) == 4 and got[0] == 10 and got[2:] == [30, 40], (
        f"pipeline([1, 2, 3, 4], ...) should still give 10, 30 and 40 for the good items, got {shown(got)}"
    )
    assert is_error(got[1], "ValueError", "two is not allowed"), (
        f"pipeline should store transform's ValueError('two is not allowed') at index 1, got {shown(got[1])}"
    )


@pytest.mark.points(2, hint="After queue.join(), cancel every worker task and await them (asyncio.gather).")
def test_pipeline_leaves_no_task_running(student: ModuleType, scene: Scene) -> None:
    jobs = {item: job(0.02, result=item) for item in range(5)}
    report = scene("pipeline", jobs, [5], "range", 3)
    got = returned(report, "pipeline(range(5), identity, 3)")
    assert got == [0, 1, 2, 3, 4], f"pipeline(range(5), identity, 3) should return [0, 1, 2, 3, 4], got {shown(got)}"
    pending = report["pending"]
    assert pending == [], f"pipeline should cancel its workers and wait for them before returning, still running: {pending!r}"


@pytest.mark.points(
    1, hint="Only workers < 1 raises ValueError (one worker is fine); no items gives [] (queue.join() returns at once)."
)
def test_pipeline_edge_cases(student: ModuleType, scene: Scene) -> None:
    jobs = {item: job(0.01, result=item) for item in (1, 2, 3)}

    report = scene("pipeline", jobs, [1, 2], "list", 0)
    assert raised(report, "ValueError"), f"pipeline(items, transform, 0) should raise ValueError, {described(report)}"

    report = scene("pipeline", jobs, [1, 2, 3], "list", 1)
    assert "raised" not in report and report.get("returned") == [1, 2, 3], (
        f"pipeline([1, 2, 3], transform, 1) should run with one consumer and return [1, 2, 3], {described(report)}"
    )

    report = scene("pipeline", jobs, [], "list", 2)
    assert "raised" not in report and report.get("returned") == [] and report["pending"] == [], (
        f"pipeline([], transform, 2) should return [] and leave no task running, {described(report)}"
    )


# --- race --------------------------------------------------------------------------------------

THREE = {"a": job(0.3, result="slow"), "b": job(0.05, result="fast"), "c": job(0.2)}


@pytest.mark.points(2, hint="asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED) returns when one is done.")
def test_race_returns_the_first_to_finish(student: ModuleType, scene: Scene) -> None:
    report = scene("race", THREE, list(THREE))
    got = returned(report, "race of jobs taking 0.3, 0.05 and 0.2 s")
    assert got == "fast", f"race of jobs taking 0.3, 0.05 and 0.2 s should return the 0.05 s job's 'fast', got {shown(got)}"
    elapsed = report["elapsed"]
    assert elapsed < 0.25, f"race should return as soon as the first job is done (about 0.05 s), took {elapsed:.2f} s"


@pytest.mark.points(2, hint="Cancel the losers, then await them (asyncio.gather(..., return_exceptions=True)) before returning.")
def test_race_cancels_and_awaits_the_losers(student: ModuleType, scene: Scene) -> None:
    report = scene("race", THREE, list(THREE))
    got = returned(report, "race of jobs taking 0.3, 0.05 and 0.2 s")
    assert got == "fast", f"race should return 'fast', got {shown(got)}"
    cancelled = sorted(map(str, report["at_return"]["cancelled"]))
    assert cancelled == ["a", "c"], (
        f"jobs 'a' and 'c' should be cancelled, and their clean-up done, by the time race returns; cancelled: {cancelled!r}"
    )
    pending = report["pending"]
    assert pending == [], f"no task should be left running after race returns, still running: {pending!r}"


@pytest.mark.points(1, hint="If the first task to finish failed, return winner.result() raises its exception.")
def test_race_raises_the_error_of_the_first_to_finish(student: ModuleType, scene: Scene) -> None:
    jobs = {"ok": job(0.2, result="ok"), "bad": job(0.02, error=("LookupError", "gone"))}
    report = scene("race", jobs, list(jobs))
    assert is_error(report.get("raised"), "LookupError", "gone"), (
        f"race whose first job to finish raises LookupError('gone') should raise it, {described(report)}"
    )
    cancelled = report["final"]["cancelled"]
    assert cancelled == ["ok"], f"the other job should be cancelled, cancelled jobs: {cancelled!r}"


@pytest.mark.points(1, hint="Several tasks can be in `done` at once: take the first of them in the order of aws.")
def test_race_breaks_a_tie_by_the_order_of_aws(student: ModuleType, scene: Scene) -> None:
    # jobs that never wait: all three finish in the same turn of the loop, so all are in `done`
    jobs = {"first": job(None, result="first"), "second": job(None, result="second"), "third": job(None, result="third")}
    report = scene("race", jobs, list(jobs))
    assert "raised" not in report and report.get("returned") == "first", (
        f"race of three awaitables that all finish at the same moment should return the first one's 'first', {described(report)}"
    )


@pytest.mark.points(1, hint="Nothing to race: raise ValueError.")
def test_race_rejects_no_awaitables(student: ModuleType, scene: Scene) -> None:
    report = scene("race", {}, [])
    assert raised(report, "ValueError"), f"race([]) should raise ValueError, {described(report)}"
