"""The command line's cold start: ``grade EXERCISE`` imports only what grading one working copy
needs, and every command, loaded on demand, still answers (each in a fresh interpreter, where
nothing another test imported can hide a missing import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from runner import cli
from runner.exercise import Boundary, Exercise, Limits
from runner.render import write_reports as real_reports
from runner.results import SubmissionResult
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox

from .fakes import Cli, working_copy

ROOT = Path(__file__).resolve().parent.parent
#: Imported by other commands only: the course staff's tools, batches, workers, report templates.
NOT_AT_START = (
    "jinja2",
    "docker",
    "celery",
    "rich.progress",
    "runner.cli_tools",
    "runner.batch",
    "runner.lms",
    "runner.audit",
    "runner.distributed",
    "runner.gradescope",
    "runner.mutation",
    "runner.watch",
)


def fresh(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_cli_imports_no_other_commands_machinery() -> None:
    script = f"import sys, json, runner.cli; print(json.dumps([m for m in {list(NOT_AT_START)!r} if m in sys.modules]))"
    out, err = fresh("-c", script).communicate(timeout=120)
    assert json.loads(out) == [], f"imported when the CLI starts: {out} {err}"


@pytest.mark.slow
def test_every_command_answers_help_in_a_fresh_interpreter() -> None:
    names = cli.main.list_commands(cli.main.make_context("grade", ["--help"], resilient_parsing=True))
    assert set(cli.TOOL_COMMANDS) <= set(names)
    subcommands = [
        [name, sub] for name in names if isinstance(group := cli.main.commands[name], click.Group) for sub in group.commands
    ]
    runs = {" ".join(words): fresh("-m", "runner.cli", *words, "--help") for words in [[name] for name in names] + subcommands}
    for words, process in runs.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"grade {words} --help exited {process.returncode}: {err[-1000:]}"
        assert f"{words} [OPTIONS]" in out, f"grade {words} --help printed another command's usage:\n{out[:400]}"


def test_commands_loaded_on_demand_are_exactly_the_tools() -> None:
    """:data:`runner.cli.TOOL_COMMANDS` names what runner/cli_tools.py adds: a command it forgets
    would be taken for an exercise id in a fresh interpreter."""
    script = (
        "import json, runner.cli as c; before = set(c.main.commands); import runner.cli_tools;"
        " print(json.dumps(sorted(set(c.main.commands) - before)))"
    )
    out, err = fresh("-c", script).communicate(timeout=120)
    assert json.loads(out) == sorted(cli.TOOL_COMMANDS), err


class PreparedSandbox(FakeSandbox):
    """A fake that records what it was asked to start ahead, and when."""

    def __init__(self, sandbox: FakeSandbox) -> None:
        super().__init__(sandbox.respond)
        self.calls: list[str] = []

    def prepare(self, kind: str, limits: Limits, boundary: Boundary) -> None:
        self.calls.append(f"prepare {kind} {boundary}")

    def run(self, request: RunRequest) -> RunOutcome:
        self.calls.append("run")
        return super().run(request)


def test_grading_starts_the_container_first_and_closes_the_sandbox(
    monkeypatch: pytest.MonkeyPatch, root: Path, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    """The container is asked for before the submission is collected, and whatever the sandbox
    holds at the end (a container started for a run that did not happen) is closed."""
    monkeypatch.chdir(root)
    sandbox = PreparedSandbox(FakeSandbox.with_outcomes({t.id: "passed" for t in sqlalchemy_exercise.tests}))
    run = Cli()
    run.use(sandbox)
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    result = run.invoke([str(folder), "--reports", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    assert sandbox.calls[0] == f"prepare module {sqlalchemy_exercise.boundary}" and "run" in sandbox.calls
    assert sandbox.closes == 1


def test_the_answer_is_printed_before_the_reports_are_written(
    monkeypatch: pytest.MonkeyPatch, root: Path, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    monkeypatch.chdir(root)
    order: list[str] = []
    answer = cli.print_result

    def print_result(result: SubmissionResult, failed_only: bool = False) -> None:
        order.append("answer")
        answer(result, failed_only)

    def write_reports(result: SubmissionResult, folder: Path) -> dict[str, Path]:
        order.append("reports")
        return real_reports(result, folder)

    monkeypatch.setattr(cli, "print_result", print_result)
    monkeypatch.setattr(cli, "write_reports", write_reports)
    run = Cli()
    run.use(FakeSandbox.with_outcomes({t.id: "passed" for t in sqlalchemy_exercise.tests}))
    result = run.invoke([str(working_copy(tmp_path, sqlalchemy_exercise)), "--reports", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    assert order == ["answer", "reports"]
    assert "report: " in result.output
