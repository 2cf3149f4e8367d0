"""The command line: exit codes, one-line errors, files written. The sandbox is a fake here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from runner import cli
from runner.exercise import Exercise
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome

from .conftest import working_copy


def fake_answering(exercise: Exercise, status: str) -> FakeSandbox:
    def respond(request: RunRequest) -> RunOutcome:
        sentinel = next(name for name in request.suite if name not in exercise.suite_files())
        return outcome({**{t.id: status for t in exercise.tests}, f"{sentinel}::{sentinel[:-3]}": "failed"})

    return FakeSandbox(respond)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, root: Path) -> CliRunner:
    monkeypatch.chdir(root)
    return CliRunner()


def grade(run: CliRunner, folder: Path, tmp_path: Path) -> Result:
    return run.invoke(cli.main, [str(folder), "--reports", str(tmp_path / "reports")])


def use(monkeypatch: pytest.MonkeyPatch, sandbox: FakeSandbox) -> None:
    monkeypatch.setattr(cli, "open_sandbox", lambda backend, image, prewarm=False: sandbox)


def test_passing_submission_exits_0_and_writes_reports(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    use(monkeypatch, fake_answering(sqlalchemy_exercise, "passed"))
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "reports" / "04_sqlalchemy" / "results.json").read_text())
    assert saved["status"] == "passed"
    assert (tmp_path / "reports" / "04_sqlalchemy" / "report.html").is_file()
    assert "passed" in result.output


def test_failing_submission_exits_1_with_each_failure(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    use(monkeypatch, fake_answering(sqlalchemy_exercise, "failed"))
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 1
    assert "hint" in result.output and "did not pass" in result.output
    assert f"0/{sqlalchemy_exercise.max_score}" in result.output


def test_syntax_error_is_graded_error_with_its_line(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    sandbox = fake_answering(sqlalchemy_exercise, "passed")
    use(monkeypatch, sandbox)
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
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise,
    setup: str, expected: str,
) -> None:  # fmt: skip
    use(monkeypatch, fake_answering(sqlalchemy_exercise, "passed"))
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


def test_invalid_notebook_exits_2(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, basics_exercise: Exercise
) -> None:
    use(monkeypatch, fake_answering(basics_exercise, "passed"))
    folder = working_copy(tmp_path, basics_exercise, exercise__ipynb="{not json")
    result = grade(run, folder, tmp_path)
    assert result.exit_code == 2
    assert "not a valid notebook" in result.output


def test_infrastructure_failure_exits_3(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    from runner.errors import SandboxUnavailable

    def unavailable(backend: str, image: str, prewarm: bool = False) -> FakeSandbox:
        raise SandboxUnavailable("the sandbox image grade-sandbox:latest is missing: build it with `grade sandbox build`")

    monkeypatch.setattr(cli, "open_sandbox", unavailable)
    result = grade(run, working_copy(tmp_path, sqlalchemy_exercise), tmp_path)
    assert result.exit_code == 3
    assert "grade sandbox build" in result.output


def test_report_rerenders_saved_results(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    use(monkeypatch, fake_answering(sqlalchemy_exercise, "failed"))
    grade(run, working_copy(tmp_path, sqlalchemy_exercise), tmp_path)
    saved = tmp_path / "reports" / "04_sqlalchemy" / "results.json"
    (saved.parent / "report.html").unlink()
    for fmt, name in (("html", "report.html"), ("junit", "junit.xml"), ("md", "report.md")):
        result = run.invoke(cli.main, ["report", str(saved), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert (saved.parent / name).stat().st_size > 100
    bad = run.invoke(cli.main, ["report", str(tmp_path / "nope.json")])
    assert bad.exit_code == 2 and "does not exist" in bad.output


def test_list_shows_exercises_and_last_score(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, root: Path, tmp_path: Path, sqlalchemy_exercise: Exercise
) -> None:
    use(monkeypatch, fake_answering(sqlalchemy_exercise, "passed"))
    reports = tmp_path / "reports"
    run.invoke(cli.main, [str(sqlalchemy_exercise.path), "--reports", str(reports)])
    result = run.invoke(cli.main, ["list", "--reports", str(reports)])
    assert result.exit_code == 0
    assert "01_python_basics" in result.output and "04_sqlalchemy" in result.output
    assert f"{sqlalchemy_exercise.max_score}/{sqlalchemy_exercise.max_score}" in result.output


def test_verify_with_a_sandbox_that_passes_everything_fails_the_check(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, root: Path, sqlalchemy_exercise: Exercise
) -> None:
    use(monkeypatch, fake_answering(sqlalchemy_exercise, "passed"))
    result = run.invoke(cli.main, ["verify", "04_sqlalchemy"])
    assert result.exit_code == 1, "a starter or mutant at 100 % must fail verify"
    assert "FAIL" in result.output
    # Not a terminal (a CI log): a line per check as it finishes, not only the table at the end.
    assert "04_sqlalchemy: reference ok\n" in result.output and "04_sqlalchemy: starter FAILED\n" in result.output
