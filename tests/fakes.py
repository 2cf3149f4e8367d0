"""What the tests share: scripted sandboxes that answer as an honest harness would (the must-fail
sentinel fails), an opener to inject them into the command line, sample results, a student's
working copy and strict parsers. Test modules import from here, never from each other."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType
from typing import Any

from click.testing import CliRunner, Result

from runner.exercise import Exercise, load_exercise
from runner.flows import SandboxOpener
from runner.grading import grade_submission
from runner.results import SubmissionResult
from runner.sandbox import RunOutcome, RunRequest, Sandbox
from runner.sandbox.fake import FakeSandbox, outcome
from runner.submission import collect_submission


def sentinel_status(request: RunRequest) -> dict[str, str]:
    """The must-fail sentinel's test, failed, as every honest run reports it."""
    return {request.sentinel: "failed"} if request.sentinel else {}


def answering(exercise: Exercise, status: str | Callable[[RunRequest], str] = "passed") -> FakeSandbox:
    """Every test of ``exercise`` gets ``status`` (or ``status(request)``); the sentinel fails."""

    def respond(request: RunRequest) -> RunOutcome:
        chosen = status(request) if callable(status) else status
        return outcome({**{t.id: chosen for t in exercise.tests}, **sentinel_status(request)})

    return FakeSandbox(respond)


def says_pass(request: RunRequest) -> str:
    """``passed`` when the submission's first file says PASS, else ``failed`` (a batch of students)."""
    return "passed" if b"PASS" in next(iter(request.files.values())) else "failed"


def opener(sandbox: Sandbox) -> SandboxOpener:
    """An opener that hands out ``sandbox`` for any backend: ``invoke(main, args, obj=opener(box))``."""

    def open_it(backend: str, image: str, prewarm: bool) -> Sandbox:
        return sandbox

    return open_it


def refusing_opener(why: str) -> SandboxOpener:
    """An opener for commands that must not open a sandbox."""

    def refuse(backend: str, image: str, prewarm: bool) -> Sandbox:
        raise AssertionError(why)

    return refuse


def sample(exercise: Exercise, failing: int = 2) -> SubmissionResult:
    """The starter graded by a fake whose first ``failing`` tests fail (a notebook also has a cell
    error): a real ``failed`` (or ``passed``) result with points on both sides, not ``tampered``."""
    statuses = {t.id: ("failed" if i < failing else "passed") for i, t in enumerate(exercise.tests)}
    cell = {"type": "cell", "index": 4, "status": "error", "error": "ZeroDivisionError: division by zero", "line": 2}
    sandbox = FakeSandbox.with_outcomes(statuses, cells=(cell,) if exercise.kind == "notebook" else ())
    result = grade_submission(exercise, collect_submission(exercise.path, exercise), sandbox)
    assert result.status == ("failed" if failing else "passed"), result.message
    assert result.score < result.max_score if failing else result.score == result.max_score, result.score
    assert result.score > 0 or failing >= len(exercise.tests), "some points are earned: scores are not 0 against 0"
    return result


def half_failing_sandbox(repo: Path) -> FakeSandbox:
    """Every other test fails (the first with a location and a message), for any exercise of ``repo``."""
    exercises = [load_exercise(p) for p in sorted((repo / "exercises").iterdir())]

    def respond(request: RunRequest) -> RunOutcome:
        exercise = next(e for e in exercises if set(e.suite_files()) <= set(request.suite))
        events: list[dict[str, object]] = [{"type": "collected", "nodeids": [t.id for t in exercise.tests]}]
        for i, test in enumerate(exercise.tests):
            failed = i % 2 == 0
            events.append({
                "type": "test", "nodeid": test.id, "status": "failed" if failed else "passed",
                "message": f"expected 3 books, got {i}" if failed else "", "duration_s": 0.01,
                "location": {"file": exercise.files[0], "line": 7 + i} if failed else None, "output": "",
            })  # fmt: skip
        events += [{"type": "test", "nodeid": nodeid, "status": "failed"} for nodeid in sentinel_status(request)]
        events.append({"type": "done"})
        exit_record = {"type": "exit", "returncode": 0, "timed_out": False, "rejected_events": 0, "output": ""}
        return RunOutcome(events=tuple(events), exit=exit_record, duration_s=0.2)

    return FakeSandbox(respond)


def write_exercise(course: Path, exercise_id: str, config: str, files: Mapping[str, str] = MappingProxyType({})) -> Path:
    """An exercise in ``course``, the one way tests make one: ``exercises/ID/exercise.toml`` holding
    ``config``, then each of ``files`` at its path, where ``exercise/`` stands for ``exercises/ID``
    and ``grader/`` for ``graders/ID`` (``grader/tests/test_x.py``, ``grader/solution/m.py``).
    Returns the exercise folder (``load_exercise`` reads it)."""
    folders = {"exercise": course / "exercises" / exercise_id, "grader": course / "graders" / exercise_id}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    (folders["exercise"] / "exercise.toml").write_text(config)
    for name, text in files.items():
        top, _, rest = name.partition("/")
        target = folders[top] / rest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return folders["exercise"]


def working_copy(tmp_path: Path, exercise: Exercise, source: Path | None = None, **files: str) -> Path:
    """A student's folder: the starter, with files from ``source`` and ``files`` laid over it."""
    folder = tmp_path / exercise.id
    shutil.copytree(exercise.path, folder)
    if source is not None:
        for name in exercise.files:
            shutil.copy(source / name, folder / name)
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return folder


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, as a strict reader would."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


class Tags(HTMLParser):
    """The tag and attribute names of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def tags_of(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


class Cli:
    """``grade`` as the tests run it: Click's runner, with the sandboxes :meth:`use` chose injected
    as the command line's ``obj`` (no sandbox unless chosen: a command that opens one fails)."""

    def __init__(self) -> None:
        self.opener: SandboxOpener = refusing_opener("this command was not expected to open a sandbox")

    def use(self, sandbox: Sandbox | SandboxOpener) -> None:
        self.opener = sandbox if callable(sandbox) else opener(sandbox)

    def invoke(self, args: list[str]) -> Result:
        from runner.cli import main

        return CliRunner().invoke(main, args, obj=self.opener)
