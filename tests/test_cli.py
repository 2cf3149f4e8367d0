"""The command line: exit codes, one-line errors, files written. The sandbox is a fake here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from runner.errors import SandboxUnavailable
from runner.exercise import Exercise
from runner.sandbox import Sandbox

from .fakes import Cli, answering, working_copy


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, root: Path) -> Cli:
    monkeypatch.chdir(root)
    return Cli()


def grade(run: Cli, folder: Path, tmp_path: Path) -> Result:
    return run.invoke([str(folder), "--reports", str(tmp_path / "reports")])


def test_passing_submission_exits_0_and_writes_reports(run: Cli, tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    run.use(answering(sqlalchemy_exercise, "passed"))
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "reports" / "04_sqlalchemy" / "results.json").read_text())
    assert saved["status"] == "passed"
    assert (tmp_path / "reports" / "04_sqlalchemy" / "report.html").is_file()
    assert "passed" in result.output


def test_failing_submission_exits_1_with_each_failure(run: Cli, tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    run.use(answering(sqlalchemy_exercise, "failed"))
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 1
    assert "hint" in result.output and "did not pass" in result.output
    assert f"0/{sqlalchemy_exercise.max_score}" in result.output


def test_syntax_error_is_graded_error_with_its_line(run: Cli, tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    sandbox = answering(sqlalchemy_exercise, "passed")
    run.use(sandbox)
    folder = working_copy(tmp_path, sqlalchemy_exercise, bookshop__py="def f(:\n")
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 1
    assert "line 1" in result.output
    assert sandbox.requests == [], "code that does not parse is not run"
    saved = json.loads((tmp_path / "reports" / "04_sqlalchemy" / "results.json").read_text())
    assert saved["status"] == "error"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("not_a_folder", "no such command, exercise or folder"),
        ("no_toml", "is not an exercise"),
        ("missing_file", "bookshop.py is missing"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    run: Cli, tmp_path: Path, sqlalchemy_exercise: Exercise,
    setup: str, expected: str,
) -> None:  # fmt: skip
    run.use(answering(sqlalchemy_exercise, "passed"))
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    if setup == "not_a_folder":
        folder = tmp_path / "nowhere"
    elif setup == "no_toml":
        (folder / "exercise.toml").unlink()
    else:
        (folder / "bookshop.py").unlink()
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 3


def test_invalid_notebook_exits_2(run: Cli, tmp_path: Path, basics_exercise: Exercise) -> None:
    run.use(answering(basics_exercise, "passed"))
    folder = working_copy(tmp_path, basics_exercise, exercise__ipynb="{not json")
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 2
    assert "not a valid notebook" in result.output


def test_an_error_keeps_its_cause_which_grade_debug_shows(
    run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, basics_exercise: Exercise
) -> None:
    from runner.errors import SubmissionError
    from runner.submission import collect_submission

    folder = working_copy(tmp_path, basics_exercise, exercise__ipynb="{not json")
    with pytest.raises(SubmissionError) as raised:
        collect_submission(folder, basics_exercise)
    assert isinstance(raised.value.__cause__, json.JSONDecodeError), "a library caller sees why"
    run.use(answering(basics_exercise, "passed"))
    assert "JSONDecodeError" not in grade(run, folder, tmp_path).output
    monkeypatch.setenv("GRADE_DEBUG", "1")
    debug = grade(run, folder, tmp_path)
    assert debug.exit_code == 2 and "not a valid notebook" in debug.output and "JSONDecodeError" in debug.output


def test_infrastructure_failure_exits_3(run: Cli, tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    def unavailable(backend: str, image: str, prewarm: bool) -> Sandbox:
        raise SandboxUnavailable("the sandbox image grade-sandbox:latest is missing: build it with `grade sandbox build`")

    run.use(unavailable)
    result = grade(run, working_copy(tmp_path, sqlalchemy_exercise), tmp_path)
    assert result.exit_code == 3
    assert "grade sandbox build" in result.output


def test_report_rerenders_saved_results(run: Cli, tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    run.use(answering(sqlalchemy_exercise, "failed"))
    grade(run, working_copy(tmp_path, sqlalchemy_exercise), tmp_path)
    saved = tmp_path / "reports" / "04_sqlalchemy" / "results.json"
    (saved.parent / "report.html").unlink()
    for fmt, name in (("html", "report.html"), ("junit", "junit.xml"), ("md", "report.md")):
        result = run.invoke(["report", str(saved), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert (saved.parent / name).stat().st_size > 100
    bad = run.invoke(["report", str(tmp_path / "nope.json")])
    assert bad.exit_code == 2 and "does not exist" in bad.output


def test_list_shows_exercises_and_last_score(run: Cli, root: Path, tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    run.use(answering(sqlalchemy_exercise, "passed"))
    reports = tmp_path / "reports"
    run.invoke([str(sqlalchemy_exercise.path), "--reports", str(reports)])
    result = run.invoke(["list", "--reports", str(reports)])
    assert result.exit_code == 0
    assert "01_python_basics" in result.output and "04_sqlalchemy" in result.output
    assert f"{sqlalchemy_exercise.max_score}/{sqlalchemy_exercise.max_score}" in result.output


def test_verify_with_a_sandbox_that_passes_everything_fails_the_check(
    run: Cli, root: Path, sqlalchemy_exercise: Exercise
) -> None:
    run.use(answering(sqlalchemy_exercise, "passed"))
    result = run.invoke(["verify", "04_sqlalchemy"])
    assert result.exit_code == 1, "a starter or mutant at 100 % must fail verify"
    assert "FAIL" in result.output
    # Not a terminal (a CI log): a line per check as it finishes, not only the table at the end.
    assert "04_sqlalchemy: reference ok\n" in result.output and "04_sqlalchemy: starter FAILED\n" in result.output
