"""``grade watch``: a run first, then one per save of a graded file, and grader errors that do not end it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.errors import SandboxFailed, SandboxUnavailable
from runner.exercise import Exercise
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome
from runner.watch import WatchRun, file_changes, graded_changes, watch

from .fakes import working_copy


def passing(exercise: Exercise) -> FakeSandbox:
    def respond(request: RunRequest) -> RunOutcome:
        status = "passed" if b"FIXED" in request.files["bookshop.py"] else "failed"
        return outcome({**{t.id: status for t in exercise.tests}, str(request.sentinel): "failed"})

    return FakeSandbox(respond)


def test_grades_first_then_once_per_save_of_a_graded_file(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    sandbox = passing(sqlalchemy_exercise)
    runs: list[WatchRun] = []

    def saves() -> Iterator[set[tuple[object, str]]]:
        yield {(2, str(folder / "README.md")), (2, str(folder / "reports" / "x.html"))}  # not graded: no run
        (folder / "bookshop.py").write_text("# FIXED\n")
        yield {(2, str(folder / "bookshop.py")), (2, str(folder / ".bookshop.py.swp"))}
        yield {(2, str(tmp_path / "elsewhere" / "bookshop.py"))}  # outside the folder: no run

    count = watch(sqlalchemy_exercise, folder, sandbox, saves(), runs.append)
    assert count == 2 == len(runs) == len(sandbox.requests)
    assert [r.changed for r in runs] == [(), ("bookshop.py",)]
    assert runs[0].result is not None and runs[0].result.status == "failed"
    assert runs[1].result is not None and runs[1].result.status == "passed"
    assert all(r.seconds >= 0 and r.error is None for r in runs)


def test_an_engine_failure_is_one_runs_error_and_watching_goes_on(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    answers = passing(sqlalchemy_exercise)
    calls = 0

    def respond(request: RunRequest) -> RunOutcome:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise SandboxFailed("the Docker engine failed while grading: connection reset")
        return answers.respond(request)

    runs: list[WatchRun] = []
    saves = [{(2, str(folder / "bookshop.py"))}]
    assert watch(sqlalchemy_exercise, folder, FakeSandbox(respond), saves, runs.append) == 2
    assert isinstance(runs[0].error, SandboxFailed) and runs[0].result is None
    assert runs[1].result is not None and runs[1].error is None


def test_an_engine_that_is_gone_ends_the_watch(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    def respond(request: RunRequest) -> RunOutcome:
        raise SandboxUnavailable("cannot reach the Docker engine")

    folder = working_copy(tmp_path, sqlalchemy_exercise)
    with pytest.raises(SandboxUnavailable):
        watch(sqlalchemy_exercise, folder, FakeSandbox(respond), [], lambda run: None)


def test_graded_changes_names_only_declared_files(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    batch: set[tuple[object, str]] = {(1, str(tmp_path / "bookshop.py")), (1, str(tmp_path / "notes.txt"))}
    assert graded_changes(sqlalchemy_exercise, tmp_path, batch) == ("bookshop.py",)


def test_file_changes_sees_a_save(tmp_path: Path) -> None:
    target = tmp_path / "bookshop.py"
    target.write_text("x = 1\n")

    def save() -> None:
        time.sleep(0.5)
        target.write_text("x = 2\n")

    threading.Thread(target=save, daemon=True).start()
    started = time.monotonic()
    changes = iter(file_changes(tmp_path))
    batch = next(changes)
    assert any(Path(path).name == "bookshop.py" for _, path in batch)
    assert time.monotonic() - started < 10
