"""The student's loop on the command line: one cause said once, ids, focus, plain output.
The sandbox is a fake here."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from runner import cli
from runner.exercise import Exercise
from runner.render import write_reports
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome

from .fakes import Cli, working_copy

BOOM = "NotImplementedError: make_engine: create the engine, then Base.metadata.create_all(engine)"


def starter_like(exercise: Exercise) -> FakeSandbox:
    """Every test stops at the same student line, as 04's starter does; the kernel's warning in
    the output."""

    def respond(request: RunRequest) -> RunOutcome:
        ran = outcome({**{t.id: "error" for t in exercise.tests}, str(request.sentinel): "failed"})
        events = tuple(
            {**e, "message": BOOM, "location": {"file": "bookshop.py", "line": 37}} if e.get("type") == "test" else e
            for e in ran.events
        )
        noise = "[IPKernelApp] WARNING | Kernel is running over TCP without encryption.\n"
        return replace(ran, events=events, exit={**(ran.exit or {}), "output": noise})

    return FakeSandbox(respond)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, root: Path) -> Cli:
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLUMNS", "80")
    return Cli()


def test_the_starter_says_its_one_cause_once_in_80_columns(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    run.use(starter_like(sqlalchemy_exercise))
    monkeypatch.setattr(cli.console, "width", 80)
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    result = run.invoke([str(folder), "--reports", str(tmp_path / "reports")])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    count = len(sqlalchemy_exercise.tests)
    assert lines[1].startswith(f"x {count} tests stop at bookshop.py:37: NotImplementedError: make_engine")
    assert result.output.count("make_engine: create the engine") == 1
    assert len(lines) <= 16 and max(map(len, lines)) <= 80
    assert "IPKernelApp" not in result.output
    page = (tmp_path / "reports" / sqlalchemy_exercise.id / "report.html").read_text()
    assert page.count('class="card cause"') == 1 and page.count('class="card"') == 0
    assert f"{count} tests stop at bookshop.py:37" in page
    assert "IPKernelApp" not in page
    assert "IPKernelApp" not in (tmp_path / "reports" / sqlalchemy_exercise.id / "results.json").read_text()


def answering_selected(exercise: Exercise, status: str = "passed") -> FakeSandbox:
    """Answers for the tests the run was asked to run: those the selection hook does not drop."""

    def respond(request: RunRequest) -> RunOutcome:
        hook = request.suite["conftest.py"].decode().partition("_GRADE_DROPPED")[2]
        chosen = {t.id: status for t in exercise.tests if repr(t.id) not in hook}
        return outcome({**chosen, str(request.sentinel): "failed"})

    return FakeSandbox(respond)


def test_k_grades_the_selection_and_says_it_is_partial(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    run.use(answering_selected(sqlalchemy_exercise))
    reports = tmp_path / "reports"
    result = run.invoke(["04", "-k", "make_engine", "--reports", str(reports)])
    assert result.exit_code == 0, result.output
    assert "partial: 2/2 (100 %) of the 2 selected tests, not your score" in " ".join(result.output.split())
    saved = json.loads((reports / "04_sqlalchemy" / "partial" / "results.json").read_text())
    assert saved["selected"] == "-k make_engine" and len(saved["tests"]) == 2
    assert not (reports / "04_sqlalchemy" / "results.json").exists(), "a partial run never stands for the full one"
    page = (reports / "04_sqlalchemy" / "partial" / "report.html").read_text()
    assert "Partial run" in page


def test_failed_only_regrades_what_failed_last_time(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    from tests.fakes import sample

    reports = tmp_path / "reports"
    write_reports(sample(sqlalchemy_exercise, failing=3), reports / "04_sqlalchemy")
    run.use(answering_selected(sqlalchemy_exercise))
    result = run.invoke(["04_sqlalchemy", "--failed-only", "--json", "--reports", str(reports)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # nothing else on stdout
    assert data["selected"] == "--failed-only"
    assert [t["id"] for t in data["tests"]] == [t.id for t in sqlalchemy_exercise.tests[:3]]


def test_json_and_quiet_keep_stdout_for_their_answer(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    run.use(starter_like(sqlalchemy_exercise))
    result = run.invoke(["04", "--json", "--reports", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["score"] == 0
    quiet = run.invoke(["04", "-q", "--reports", str(tmp_path / "r")])
    assert quiet.exit_code == 1 and len(quiet.stdout.strip().splitlines()) == 1
    assert quiet.stdout.startswith(f"0/{sqlalchemy_exercise.max_score} (0 %)")


def test_a_typo_gets_a_suggestion(run: Cli) -> None:
    result = run.invoke(["verfy", "04"])
    assert result.exit_code == 2
    assert "No such command 'verfy'. Did you mean 'verify'?" in result.output
    exercise_typo = run.invoke(["04_sqlalchemi"])
    assert exercise_typo.exit_code == 2 and "Did you mean '04_sqlalchemy'?" in exercise_typo.output


def test_completion_offers_commands_and_exercise_ids(run: Cli) -> None:
    from click.shell_completion import ShellComplete

    complete = ShellComplete(cli.main, {}, "grade", "_GRADE_COMPLETE")
    assert "04_sqlalchemy" in [item.value for item in complete.get_completions([], "04")]
    assert "verify" in [item.value for item in complete.get_completions([], "ver")]
    assert "04_sqlalchemy" in [item.value for item in complete.get_completions(["verify"], "0")]
    folders = complete.get_completions([], "exercises/0")
    assert [(item.type, item.value) for item in folders] == [("dir", "exercises/0")], "a path: the shell completes folders"


def no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.errors import SandboxUnavailable
    from runner.sandbox import docker

    def refuse(*args: object, **kwargs: object) -> object:
        raise SandboxUnavailable("cannot reach the Docker engine (gone); start it", reason="no Docker engine answered (gone)")

    monkeypatch.setattr(docker, "connect", refuse)


def test_without_an_engine_single_grading_says_it_falls_back_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_engine(monkeypatch)
    sandbox = cli.default_opener("auto", "grade-sandbox:latest", False)
    assert sandbox.name == "local"
    said = capsys.readouterr().err.strip()
    assert len(said.splitlines()) == 1
    assert said.startswith("warning: no Docker engine answered (gone), so this grades with --backend local (")
    assert "--backend docker refuses" in said


def test_without_an_engine_batch_exits_3(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    no_engine(monkeypatch)
    run.use(cli.default_opener)  # the real backend choice, with no engine to answer
    folder = tmp_path / "subs" / "alice"
    folder.mkdir(parents=True)
    (folder / "bookshop.py").write_text("x = 1\n")
    result = run.invoke(["batch", str(tmp_path / "subs"), "--exercise", "04", "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "cannot reach the Docker engine" in result.output


def test_ci_outputs_say_the_cause_once(sqlalchemy_exercise: Exercise) -> None:
    from runner.ci import error_annotations, step_summary
    from runner.grading import grade_submission
    from runner.submission import collect_submission

    result = grade_submission(
        sqlalchemy_exercise, collect_submission(sqlalchemy_exercise.path, sqlalchemy_exercise), starter_like(sqlalchemy_exercise)
    )
    count = len(sqlalchemy_exercise.tests)
    lines = error_annotations(result, "exercises/04_sqlalchemy")
    assert len(lines) == 1
    where = "file=exercises/04_sqlalchemy/bookshop.py,line=37"
    assert lines[0].startswith(f"::error {where},title=04_sqlalchemy%3A {count} tests stop at bookshop.py%3A37::")
    summary = step_summary([result])
    assert summary.split("### What to fix")[1].count("make\\_engine: create the engine") == 1
    assert f"{count} tests stop at bookshop\\.py:37" in summary


def test_notebook_cells_that_failed_come_first(basics_exercise: Exercise, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fakes import sample

    cli.print_result(sample(basics_exercise))
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("x notebook cell 4, line 2: error")
    assert "ZeroDivisionError: division by zero" in lines[2]


def test_grading_options_may_come_before_the_exercise(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    run.use(answering_selected(sqlalchemy_exercise))
    result = run.invoke(["-k", "make_engine", "-q", "04", "--reports", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("partial:")
    assert run.invoke(["--version"]).exit_code == 0
    assert "grade batch" in run.invoke(["--help"]).output


@pytest.mark.parametrize("form", ["--graders={}", "--graders {}"])
def test_the_graders_option_stays_with_the_group(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, root: Path, sqlalchemy_exercise: Exercise, form: str
) -> None:
    from runner.exercise import GRADERS_ENV

    monkeypatch.setenv(GRADERS_ENV, str(root / "graders"))  # restored after the test, whatever --graders sets
    run.use(answering_selected(sqlalchemy_exercise))
    args = [*form.format(root / "graders").split(" "), "-k", "make_engine", "-q", "04", "--reports", str(tmp_path / "r")]
    result = run.invoke(args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("partial:")
