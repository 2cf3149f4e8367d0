"""Public tests for 12_celery. Run `pytest` in this exercise's folder.

Like the grader, they run your tasks on a real Celery worker started inside the test process
(`celery.contrib.testing.worker.start_worker`), with an in-memory broker and result backend, so
nothing else needs to be installed or running. They show the shape of the hidden suite, which
checks much more (task names, the retry limit, the backoff delays, errors that must not be
retried, chord edge cases, a chain with retries). They fail until tasks.py is written.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find tasks.py next to tests/

import tasks

TIMEOUT_S = 4


@pytest.fixture(scope="module", autouse=True)
def worker() -> Iterator[None]:
    tasks.app.conf.update(
        broker_url="memory://",
        result_backend="cache+memory://",
        broker_transport_options={"polling_interval": 0.01},
        task_always_eager=False,
        worker_hijack_root_logger=False,
    )
    # A worker thread with 4 task threads; stopping it at the end takes a few seconds.
    with start_worker(tasks.app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=5):
        yield


def test_add_runs_on_the_worker() -> None:
    result = tasks.add.delay(2, 3)
    assert result.get(timeout=TIMEOUT_S, interval=0.01) == 5, "add.delay(2, 3).get() should be 5"
    assert "roadmap.add" in tasks.app.tasks, "add should be registered under the name 'roadmap.add'"


def test_fetch_price_retries_then_succeeds() -> None:
    retries: list[Any] = []

    def on_retry(request: Any = None, **_: Any) -> None:
        retries.append(request.retries)

    signals.task_retry.connect(on_retry, weak=False)
    try:
        got = tasks.fetch_price.delay("ACME", 2).get(timeout=TIMEOUT_S, interval=0.01)
    finally:
        signals.task_retry.disconnect(on_retry)
    assert got == 12.5, f"fetch_price('ACME', failures=2) should return 12.5 on its third attempt, got {got!r}"
    assert len(retries) == 2, f"fetch_price('ACME', failures=2) should be retried twice, it was retried {len(retries)} times"
    with pytest.raises(tasks.TransientError):
        tasks.fetch_price.delay("ACME", 4).get(timeout=TIMEOUT_S, interval=0.01)  # 4 failures > 3 retries


def test_linear_chain() -> None:
    sig = tasks.linear(3, 4, 5)
    got = sig.apply_async().get(timeout=TIMEOUT_S, interval=0.01)
    assert got == 17, f"linear(3, 4, 5) should compute 4 * 3 + 5 = 17, got {got!r}"


def test_sum_of_squares_chord() -> None:
    got = tasks.sum_of_squares([1, 2, 3]).apply_async().get(timeout=TIMEOUT_S, interval=0.01)
    assert got == 14, f"sum_of_squares([1, 2, 3]) should be 1 + 4 + 9 = 14, got {got!r}"
