"""``grade watch``: grade a working copy once, then again on every save, as fast as its tests run.

Contract: :func:`watch` grades the folder, then waits on ``changes`` (batches of changed paths:
``watchfiles.watch`` in the CLI, a list in tests) and grades again whenever a batch touches one of
the files the exercise grades (``exercise.toml``'s ``files``; an editor's swap files and the
reports folder are ignored). Each run is reported to ``on_run`` as a :class:`WatchRun`, with the
time from the save to the result. It returns when ``changes`` ends (Ctrl-C in the CLI).

Speed comes from the sandbox, not from reuse: the caller passes a sandbox that starts the next
container while it is idle (``DockerSandbox(prewarm=True)``: container up, supervisor waiting,
interpreter and pytest or the kernel loaded), so a save costs what the tests cost. Each run still
gets a fresh container; nothing of one run is seen by the next.

Trust rule: the same as ``grade``. A grader error in one run (the engine failed once) is reported
as that run's ``error`` and watching goes on; an engine that is gone (:class:`SandboxUnavailable`)
ends the watch, since every next run would fail the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from .errors import GraderError, SandboxUnavailable
from .exercise import Exercise
from .grading import grade_folder
from .results import SubmissionResult
from .sandbox import Sandbox

#: A batch of changes as ``watchfiles`` yields them: (what changed: added, modified or deleted, absolute path).
Changes = Iterable[AbstractSet[tuple[object, str]]]


@dataclass(frozen=True)
class WatchRun:
    """One grading of the watched folder."""

    number: int
    changed: tuple[str, ...]  # the graded files whose save started this run (empty: the first run)
    seconds: float  # from the save being seen to the result
    result: SubmissionResult | None = None
    error: GraderError | None = None


def graded_changes(exercise: Exercise, folder: Path, batch: AbstractSet[tuple[object, str]]) -> tuple[str, ...]:
    """The exercise's graded files among the paths of ``batch``, relative to ``folder``."""
    root = folder.resolve()
    names: set[str] = set()
    for _, raw in batch:
        path = Path(raw).resolve()
        if path.is_relative_to(root) and path.relative_to(root).as_posix() in exercise.files:
            names.add(path.relative_to(root).as_posix())
    return tuple(sorted(names))


def watch(
    exercise: Exercise,
    folder: Path,
    sandbox: Sandbox,
    changes: Changes,
    on_run: Callable[[WatchRun], None],
    on_stage: Callable[[str], None] | None = None,
) -> int:
    """Grade ``folder`` now and after each relevant batch of ``changes``; return how many runs."""
    runs = 0

    def run(changed: tuple[str, ...]) -> None:
        nonlocal runs
        runs += 1
        started = time.monotonic()
        try:
            result = grade_folder(exercise, folder, sandbox, on_stage=on_stage or (lambda stage: None))
        except SandboxUnavailable:
            raise
        except GraderError as exc:
            on_run(WatchRun(runs, changed, time.monotonic() - started, error=exc))
            return
        on_run(WatchRun(runs, changed, time.monotonic() - started, result=result))

    run(())
    for batch in changes:
        changed = graded_changes(exercise, folder, batch)
        if changed:
            run(changed)
    return runs


def file_changes(folder: Path, stop: threading.Event | None = None) -> Changes:
    """Batches of changes below ``folder`` from ``watchfiles`` (debounced: one batch per save);
    it ends quietly on Ctrl-C, or when ``stop`` is set."""
    from watchfiles import watch as watch_files

    return watch_files(folder, debounce=50, step=20, stop_event=stop, raise_interrupt=False)
