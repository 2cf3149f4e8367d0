"""Fixtures for the 12_celery hidden suite: the student's app, served by a real Celery worker,
across the process boundary.

The hidden tests run in the grader's process; the student's code, the Celery worker and the
in-memory broker and backend all run in the student's process. The worker is Celery's embedded
test worker (`celery.contrib.testing.worker.start_worker`): a real consumer with a thread pool.
Messages go through the in-memory broker (`memory://`) and results through the in-memory cache
backend (`cache+memory://`), which also keeps the counters chords need.

What cannot cross (the app, a task, an AsyncResult) is held as a handle: attribute reads and
method calls cross (`task.delay(2, 3)`, `result.get(timeout=4)`), and what they give back is plain
data or another handle. The `DRIVER` helper below runs in the student's process: it starts the
worker once per process (again after a restart), configures the app first, keeps what tasks.py
had set for the broker and the backend (RUNNER_SETTINGS), records what Celery's signals report
as plain dicts, and holds a signature (a dict, which would otherwise cross as plain data) so that
the grader can run it. It holds no expected value: a student can read it and make it lie, never
learn an answer from it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

#: Runs in the student's process (`student_helper`); its functions return plain data or objects
#: of the student's process (held by the grader as handles).
DRIVER = """
import sys
import threading
import time
import types
from datetime import datetime

from celery import Celery, Task, signals
from celery.canvas import Signature
from celery.contrib.testing.worker import start_worker
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult

TEST_CONFIG = {
    "broker_url": "memory://",
    "result_backend": "cache+memory://",
    # The memory transport polls its queues; the default of 1 s per poll would make every hop slow.
    "broker_transport_options": {"polling_interval": 0.01},
    "task_always_eager": False,  # a real worker runs the tasks, never the caller
    "task_serializer": "json",
    "result_serializer": "json",
    "accept_content": ["json"],
    "worker_hijack_root_logger": False,
    "broker_connection_retry_on_startup": False,
}

# The settings the README leaves to whoever runs the app: read as tasks.py left them, before TEST_CONFIG.
RUNNER_SETTINGS = ("broker_url", "result_backend", "task_always_eager")

# One worker and one recorder per process: this module is made afresh for each test.
STATE = sys.modules.setdefault("grader_celery_state", types.ModuleType("grader_celery_state"))
LOCK = threading.Lock()


def start(student):
    \"\"\"Start the worker for student.app once: {"error": None or a message, "submitted": {...}}.\"\"\"
    if not hasattr(STATE, "outcome"):
        STATE.outcome = first_start(student)
    return STATE.outcome


def first_start(student):
    candidate = getattr(student, "app", None)
    if not isinstance(candidate, Celery):
        return {"error": f"tasks.py should define `app = Celery(...)`, got app = {candidate!r}"[:500], "submitted": {}}
    submitted = {key: bool(candidate.conf.get(key)) for key in RUNNER_SETTINGS}
    candidate.conf.update(TEST_CONFIG)
    try:
        context = start_worker(candidate, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=3.0)
        context.__enter__()
    except Exception as exc:
        return {"error": f"could not start a worker for your app: {type(exc).__name__}: {exc}"[:500], "submitted": submitted}
    STATE.app, STATE.context = candidate, context
    return {"error": None, "submitted": submitted}


def app():
    return STATE.app


def record():
    \"\"\"Forget what was recorded so far and record from now on (receivers are connected once).\"\"\"
    with LOCK:
        STATE.events = {"published": [], "retried": [], "ran": []}
    if not hasattr(STATE, "receivers"):
        STATE.receivers = [(signals.before_task_publish, on_publish), (signals.task_retry, on_retry), (signals.task_prerun, on_prerun)]
        for signal, receiver in STATE.receivers:
            signal.connect(receiver, weak=False)


def events(kind):
    with LOCK:
        return [dict(event) for event in STATE.events[kind]]


def add(kind, event):
    with LOCK:
        STATE.events[kind].append(event)


def on_publish(sender=None, headers=None, **_):
    headers = headers or {}
    eta = headers.get("eta")
    countdown = None
    if eta:
        try:
            countdown = datetime.fromisoformat(str(eta)).timestamp() - time.time()
        except (ValueError, TypeError):
            countdown = None
    root = headers.get("root_id")
    add("published", {
        "name": str(sender), "task_id": str(headers.get("id")), "root_id": None if root is None else str(root),
        "retries": int(headers.get("retries") or 0), "countdown": countdown,
    })


def on_retry(sender=None, request=None, reason=None, **_):
    # `reason` is Celery's Retry exception: .exc is the error, .when the countdown (or an ETA).
    error = getattr(reason, "exc", None) or reason
    when = getattr(reason, "when", None)
    root = getattr(request, "root_id", None)
    add("retried", {
        "name": str(getattr(sender, "name", sender)), "task_id": str(getattr(request, "id", None)),
        "root_id": None if root is None else str(root), "retries": int(getattr(request, "retries", 0) or 0),
        "reason": type(error).__name__ if isinstance(error, BaseException) else None,
        "countdown": float(when) if isinstance(when, (int, float)) and not isinstance(when, bool) else None,
    })


def on_prerun(sender=None, task_id=None, task=None, **_):
    current = threading.current_thread()
    request = getattr(task, "request", None)
    add("ran", {
        "name": str(getattr(sender, "name", sender)), "task_id": str(task_id),
        "eager": bool(getattr(request, "is_eager", False)), "thread": current.name,
        "main_thread": current is threading.main_thread(),
    })


def describe(value):
    \"\"\"What a value is, for a message: its type's name and a short repr.\"\"\"
    try:
        shown = repr(value)[:300]
    except Exception:
        shown = "?"
    return f"{type(value).__name__}: {shown}"


def is_task(value):
    return isinstance(value, Task)


def is_result(value):
    return isinstance(value, AsyncResult)


def is_signature(value):
    return isinstance(value, Signature)


class Held:
    \"\"\"A value kept in this process: a Signature is a dict, which would cross as plain data.\"\"\"

    def __init__(self, value):
        self.value = value


def build(function, args):
    return Held(function(*args))


def check(held):
    return {"signature": isinstance(held.value, Signature), "shown": describe(held.value)}


def apply_async(held):
    return held.value.apply_async()
"""


@dataclass(frozen=True)
class Published:
    """A task message as it was sent to the broker (first sends and retries alike)."""

    name: str
    task_id: str
    root_id: str | None
    retries: int
    countdown: float | None  # seconds from sending to the message's ETA; None: run at once


@dataclass(frozen=True)
class Retried:
    """A task that asked to be retried, seen by the worker."""

    name: str
    task_id: str
    root_id: str | None
    retries: int  # retries done before this one
    reason: str | None  # the name of the error's class the task was retried for
    countdown: float | None  # the delay it asked for, in seconds; None when it gave an ETA instead


@dataclass(frozen=True)
class Ran:
    """A task body the worker started."""

    name: str
    task_id: str
    eager: bool
    thread: str
    main_thread: bool


def rebuilt(kind: type[Any], data: object) -> Any:
    """A record from the driver's dict, its fields read one by one (a lying driver fails the test)."""
    if not isinstance(data, dict):
        raise TypeError("the worker's process reported an event that is not a record")
    return kind(*(data.get(name) for name in kind.__dataclass_fields__))


class Events:
    """What Celery's signals reported since this test started, asked of the driver at each read."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def read(self, kind: str, record: type[Any]) -> list[Any]:
        return [rebuilt(record, event) for event in self.driver.events(kind)]

    @property
    def published(self) -> list[Published]:
        return self.read("published", Published)

    @property
    def retried(self) -> list[Retried]:
        return self.read("retried", Retried)

    @property
    def ran(self) -> list[Ran]:
        return self.read("ran", Ran)

    def retries_of(self, task_id: str) -> list[Retried]:
        return [event for event in self.retried if event.task_id == task_id]

    def retries_in(self, root: str) -> list[Retried]:
        return [event for event in self.retried if event.root_id == root or event.task_id == root]


@dataclass
class WorkerState:
    """What starting the worker gave: an error for the student, and what tasks.py had set."""

    error: str | None
    submitted: dict[str, Any]  # RUNNER_SETTINGS: whether tasks.py set each one


@pytest.fixture
def driver(student: Any, student_helper: Callable[..., Any]) -> Any:
    """The `DRIVER` helper, a module in the student's process."""
    return student_helper(DRIVER, "celery_driver")


@pytest.fixture
def worker_state(student: Any, driver: Any) -> WorkerState:
    """The worker for the submission's `app`, started on first use in the student's process."""
    outcome = driver.start(student)
    if not isinstance(outcome, dict):
        raise TypeError("the worker's process did not say whether the worker started")
    error, submitted = outcome.get("error"), outcome.get("submitted")
    return WorkerState(error if isinstance(error, str) else None, submitted if isinstance(submitted, dict) else {})


@pytest.fixture
def app(worker_state: WorkerState, driver: Any) -> Any:
    """The submission's `app` (a handle), configured for the tests, with a worker consuming its queue."""
    if worker_state.error is not None:
        pytest.fail(worker_state.error, pytrace=False)
    return driver.app()


@pytest.fixture
def events(app: Any, driver: Any) -> Iterator[Events]:
    """Record task messages sent, retries asked for and task bodies run, during this test only."""
    driver.record()
    yield Events(driver)
