"""Fixtures for the 12_celery hidden suite: the student's app, served by a real Celery worker.

The worker is Celery's embedded test worker (`celery.contrib.testing.worker.start_worker`): a
real consumer with a thread pool, running in this process. Messages go through the in-memory
broker (`memory://`) and results through the in-memory cache backend (`cache+memory://`), which
also keeps the counters chords need. The worker is started on first use and stopped at the end
of the session.

The `student` fixture (the imported submission) comes from the grader; nothing here imports it,
so a submission that fails to import fails each test, not the collection. The broker and the
backend are set here, over whatever the submission configured, before the worker starts; what
the submission had set for them (RUNNER_SETTINGS) is kept in `worker_state.submitted`, since the
README asks tasks.py to leave them to whoever runs the worker.
"""

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest
from celery import Celery, signals
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state_module

TEST_CONFIG: dict[str, Any] = {
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


@dataclass
class WorkerState:
    app: Celery | None = None
    context: Any = None
    error: str | None = None
    submitted: dict[str, Any] = field(default_factory=dict)  # RUNNER_SETTINGS as tasks.py set them


@pytest.fixture(scope="session")
def worker_state() -> Iterator[WorkerState]:
    """Holds the worker once some test has started it; stops it when the session ends."""
    state = WorkerState()
    yield state
    if state.context is not None and state.app is not None:
        # Ask the worker to stop, then wake its consumer, which otherwise waits up to 2 s for a
        # message in each of its last two polls, with two harmless built-in tasks. A worker stuck
        # in a student's task is a daemon thread: give up on it after a few seconds, never fail.
        worker_state_module.should_terminate = 0
        with contextlib.suppress(Exception):
            for _ in range(2):
                state.app.send_task("celery.backend_cleanup")
        with contextlib.suppress(Exception):
            state.context.__exit__(None, None, None)


@pytest.fixture
def app(student: ModuleType, worker_state: WorkerState) -> Celery:
    """The submission's `app`, configured for the tests, with a worker consuming its queue."""
    if worker_state.error is None and worker_state.app is None:
        candidate = getattr(student, "app", None)
        if not isinstance(candidate, Celery):
            worker_state.error = f"tasks.py should define `app = Celery(...)`, got app = {candidate!r}"
        else:
            worker_state.submitted = {key: candidate.conf.get(key) for key in RUNNER_SETTINGS}
            candidate.conf.update(TEST_CONFIG)
            try:
                context = start_worker(candidate, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=3.0)
                context.__enter__()
            except Exception as exc:
                worker_state.error = f"could not start a worker for your app: {type(exc).__name__}: {exc}"
            else:
                worker_state.app, worker_state.context = candidate, context
    if worker_state.error is not None:
        pytest.fail(worker_state.error, pytrace=False)
    assert worker_state.app is not None
    return worker_state.app


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
    reason: BaseException | None  # the error the task was retried for
    countdown: float | None  # the delay it asked for, in seconds; None when it gave an ETA instead


@dataclass(frozen=True)
class Ran:
    """A task body the worker started."""

    name: str
    task_id: str
    eager: bool
    thread: str
    main_thread: bool


@dataclass
class Events:
    """What Celery's signals reported while the test ran."""

    published: list[Published] = field(default_factory=list)
    retried: list[Retried] = field(default_factory=list)
    ran: list[Ran] = field(default_factory=list)

    def retries_of(self, task_id: str) -> list[Retried]:
        return [event for event in list(self.retried) if event.task_id == task_id]

    def retries_in(self, root: str) -> list[Retried]:
        return [event for event in list(self.retried) if event.root_id == root or event.task_id == root]


@pytest.fixture
def events(app: Celery) -> Iterator[Events]:
    """Record task messages sent, retries asked for and task bodies run, during this test only."""
    seen = Events()
    lock = threading.Lock()

    def on_publish(sender: Any = None, headers: Any = None, **_: Any) -> None:
        headers = headers or {}
        eta = headers.get("eta")
        countdown = None
        if eta:
            with contextlib.suppress(ValueError, TypeError):
                countdown = datetime.fromisoformat(str(eta)).timestamp() - time.time()
        with lock:
            seen.published.append(
                Published(
                    str(sender), str(headers.get("id")), headers.get("root_id"), int(headers.get("retries") or 0), countdown
                )
            )

    def on_retry(sender: Any = None, request: Any = None, reason: Any = None, **_: Any) -> None:
        # `reason` is Celery's Retry exception: .exc is the error, .when the countdown (or an ETA).
        error = getattr(reason, "exc", None) or reason
        when = getattr(reason, "when", None)
        with lock:
            seen.retried.append(
                Retried(
                    getattr(sender, "name", str(sender)),
                    str(getattr(request, "id", None)),
                    getattr(request, "root_id", None),
                    int(getattr(request, "retries", 0) or 0),
                    error if isinstance(error, BaseException) else None,
                    float(when) if isinstance(when, int | float) and not isinstance(when, bool) else None,
                )
            )

    def on_prerun(sender: Any = None, task_id: Any = None, task: Any = None, **_: Any) -> None:
        current = threading.current_thread()
        request = getattr(task, "request", None)
        with lock:
            seen.ran.append(
                Ran(
                    getattr(sender, "name", str(sender)),
                    str(task_id),
                    bool(getattr(request, "is_eager", False)),
                    current.name,
                    current is threading.main_thread(),
                )
            )

    receivers: list[tuple[Any, Callable[..., None]]] = [
        (signals.before_task_publish, on_publish),
        (signals.task_retry, on_retry),
        (signals.task_prerun, on_prerun),
    ]
    for signal, receiver in receivers:
        signal.connect(receiver, weak=False)
    try:
        yield seen
    finally:
        for signal, receiver in receivers:
            signal.disconnect(receiver)
