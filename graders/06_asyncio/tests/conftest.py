"""Shared helpers for the 06_asyncio hidden suite: every scenario is played beside the notebook.

The notebook is graded across the process boundary (exercise.toml): its coroutine functions run in
the student's process, where a coroutine, a callback or an event loop made by this suite cannot go.
So the helper SCENES (the `scene` fixture) plays each scenario there: it makes the fake jobs a test
describes as plain data (a delay, then a result or an error), calls the student's function in a
fresh event loop (asyncio.run on a daemon thread, waited for with a time limit, so a coroutine that
waits for ever fails its test with a clear message and never keeps the process busy) and reports
plain data only: what the call returned or raised, how long it took on the loop's clock, what the
fake jobs saw (started, finished, cancelled, how many ran at once) when the call returned and after
the loop closed, and which tasks were still running when it returned.

Trust rule: the student can read and change SCENES, so it holds no expected value; it can only
misreport what happened. Every expectation and every assertion is in test_asyncio.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

#: How long a scenario may run before the test says it waits for ever (generous: the grading
#: machine may be loaded; the longest scenario takes about 1 s).
RUN_LIMIT_S = 3.0

#: Runs beside the student's code (the `student_helper` fixture). Nothing secret: a student could read it.
SCENES = '''
import asyncio
import builtins
import inspect
import sys
import threading


class Probe:
    """Fake jobs, described by key: each sleeps its delay (none: never waits), then returns its
    result or raises its error; records what started, finished, got cancelled and the peak."""

    def __init__(self, jobs):
        self.jobs = dict(jobs)
        self.errors = {key: make_error(spec.get("error")) for key, spec in self.jobs.items() if spec.get("error")}
        self.current = 0
        self.peak = 0
        self.started = []
        self.finished = []
        self.cancelled = []
        self.events = []
        self.made = []

    def awaitable(self, key):
        """A fresh coroutine of the job `key`, to hand to the student's function."""
        coroutine = self.job(key)
        self.made.append(coroutine)
        return coroutine

    def close_unawaited(self):
        """Close the coroutines that were never started, so Python does not warn about them."""
        for coroutine in self.made:
            if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()

    async def job(self, key):
        spec = self.jobs[key]
        self.started.append(key)
        self.events.append(("start", key))
        self.current += 1
        self.peak = max(self.peak, self.current)
        try:
            if spec.get("delay") is not None:
                await asyncio.sleep(spec["delay"])
        except asyncio.CancelledError:
            self.cancelled.append(key)
            raise
        finally:
            self.current -= 1
        self.finished.append(key)
        self.events.append(("finish", key))
        if key in self.errors:
            raise self.errors[key]
        return spec.get("result")

    def seen(self):
        return {
            "peak": self.peak,
            "started": list(self.started),
            "finished": list(self.finished),
            "cancelled": list(self.cancelled),
            "events": list(self.events),
        }


def make_error(spec):
    name, message = spec
    kind = getattr(builtins, name)
    return kind(message)


def unwrapped(error):
    """Before Python 3.11.4 (gh-103590) the interpreter itself wrapped one exception raised in an
    `except*` block in a bare ExceptionGroup('', [exc]) with no cause and no context; undo that
    wrapping, which is not the student's doing. Any other group is reported as it is."""
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


def text(function, value):
    try:
        return str(function(value))[:500]
    except BaseException as exc:
        return f"<{function.__name__}() raised {type(exc).__name__}>"


def label_of(value, known):
    for label, obj in known:
        if value is obj:
            return label
    return None


def plain(value, known, depth=0):
    """`value` as plain data: an exception, an object the scenario made and any other object are
    described; lists, tuples and dicts are walked."""
    label = label_of(value, known)
    if label is not None and not isinstance(value, BaseException):
        return {"$same": label}
    if isinstance(value, BaseException):
        return described_error(value, known, depth)
    if value is None or type(value) in (bool, int, float, str, bytes):
        return value
    if depth < 10 and type(value) in (list, tuple):
        return type(value)(plain(item, known, depth + 1) for item in value)
    if depth < 10 and type(value) is dict:
        return {
            key if key is None or type(key) in (bool, int, float, str) else text(repr, key): plain(item, known, depth + 1)
            for key, item in value.items()
        }
    return {"$object": type(value).__name__, "repr": text(repr, value)}


def described_error(error, known, depth=0):
    attrs = {}
    if depth < 10:
        for name, value in list(getattr(error, "__dict__", {}).items())[:20]:
            if isinstance(name, str) and not name.startswith("_"):
                attrs[name] = plain(value, known, depth + 1)
    return {
        "$exception": type(error).__name__,
        "classes": [cls.__name__ for cls in type(error).__mro__],
        "message": text(str, error),
        "repr": text(repr, error),
        "same": label_of(error, known),
        "attrs": attrs,
    }


def pending_tasks():
    current = asyncio.current_task()
    return sorted(task.get_name() for task in asyncio.all_tasks() if task is not current and not task.done())


def play(limit_s, probe, call, known=()):
    """Await call() in a fresh event loop on its own thread; the report of what happened."""
    known = list(known) + list(probe.errors.items())
    report = {}

    async def scenario():
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            value = await call()
        except BaseException as exc:  # the test decides what was expected
            report["raised"] = described_error(unwrapped(exc), known)
        else:
            report["returned"] = plain(value, known)
        report["elapsed"] = loop.time() - started
        report["at_return"] = probe.seen()
        report["pending"] = pending_tasks()

    failure = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # closing the loop failed: reported as what the call raised
            failure.append(exc)

    thread = threading.Thread(target=target, name="grader-event-loop", daemon=True)
    thread.start()
    thread.join(limit_s)
    if thread.is_alive():
        return {"hung": limit_s}
    if failure and "raised" not in report:
        report.pop("returned", None)
        report["raised"] = described_error(failure[0], known)
    report["final"] = probe.seen()
    probe.close_unawaited()
    return report


def fetch_all(limit_s, module, jobs, urls, limit):
    probe = Probe(jobs)

    async def fetch(url):
        return await probe.job(url)

    return play(limit_s, probe, lambda: module.fetch_all(list(urls), fetch, limit))


def with_timeout(limit_s, module, jobs, key, seconds, default, fresh_default):
    probe = Probe(jobs)
    known = []
    if fresh_default:  # a default that is no other object: the report says when it is returned
        default = object()
        known.append(("default", default))
    return play(limit_s, probe, lambda: module.with_timeout(probe.awaitable(key), seconds, default), known)


def run_all(limit_s, module, jobs, keys):
    probe = Probe(jobs)
    return play(limit_s, probe, lambda: module.run_all([probe.awaitable(key) for key in keys]))


def pipeline(limit_s, module, jobs, items, kind, workers):
    probe = Probe(jobs)
    source = {"list": list, "iterator": iter, "range": lambda bounds: range(*bounds)}[kind](items)

    async def transform(item):
        return await probe.job(item)

    return play(limit_s, probe, lambda: module.pipeline(source, transform, workers))


def race(limit_s, module, jobs, keys):
    probe = Probe(jobs)
    return play(limit_s, probe, lambda: module.race([probe.awaitable(key) for key in keys]))
'''

Report = dict[str, Any]
Scene = Callable[..., Report]


@pytest.fixture
def scene(student: Any, student_helper: Callable[..., Any]) -> Scene:
    """``scene(name, *args)``: SCENES' function `name` played on the student's side; its report."""
    scenes = student_helper(SCENES, "scenes")

    def play(name: str, *args: Any) -> Report:
        report = getattr(scenes, name)(RUN_LIMIT_S, student, *args)
        if not isinstance(report, dict):
            raise AssertionError("the grader's scenario helper, beside your code, gave no report: was it changed?")
        if "hung" in report:
            raise AssertionError(
                f"the coroutine did not finish within {RUN_LIMIT_S:g} s: something is waiting for ever "
                "(a queue.join() whose items are never marked task_done, a task never cancelled, ...)"
            )
        return report

    return play
