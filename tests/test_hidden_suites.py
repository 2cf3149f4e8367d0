"""Hidden suites kept outside the student's repository: the template has no graders/, and grade
finds them with --graders DIR or $GRADE_GRADERS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from runner.exercise import GRADERS_ENV

from .fakes import Cli, half_failing_sandbox


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def two_repos(tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A small course (two exercises), its student template made by `grade export template`, and
    the course's graders/ (what the workflow checks out privately)."""
    monkeypatch.delenv(GRADERS_ENV, raising=False)
    course = tmp_path / "course"
    for part in ("exercises", "graders"):
        for name in ("01_python_basics", "04_sqlalchemy"):
            shutil.copytree(root / part / name, course / part / name)
    shutil.copytree(root / ".github", course / ".github")
    monkeypatch.chdir(course)
    made = Cli().invoke(["export", "template", str(tmp_path / "student")])
    assert made.exit_code == 0, made.output
    student = tmp_path / "student"
    git(student, "init", "-q", "-b", "main")
    git(student, "add", ".")
    git(student, "commit", "-q", "-m", "template")
    return student, course / "graders"


def test_template_holds_no_hidden_suite(two_repos: tuple[Path, Path], root: Path) -> None:
    student, graders = two_repos
    files = {p.relative_to(student).as_posix() for p in student.rglob("*") if p.is_file() and ".git/" not in p.as_posix()}
    assert ".github/workflows/grade.yml" in files and "exercises/04_sqlalchemy/bookshop.py" in files
    assert not any(f.startswith(("graders/", "runner/")) for f in files)
    secrets = {p.read_bytes() for p in graders.rglob("*.py") if p.stat().st_size > 200}
    assert not any(p.read_bytes() in secrets for p in student.rglob("*.py")), "no hidden test or reference copied"


def test_grade_finds_graders_elsewhere(two_repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    student, graders = two_repos
    monkeypatch.chdir(student)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    missing = Cli().invoke(["ci", "--all"])
    assert missing.exit_code == 2 and "graders/" in missing.output

    sandbox = half_failing_sandbox(student.parent / "course")
    grade = Cli()
    grade.use(sandbox)
    with_option = grade.invoke(["--graders", str(graders), "ci", "--all"])
    assert with_option.exit_code == 1, with_option.output
    assert len(sandbox.requests) == 2 and (student / "reports" / "04_sqlalchemy" / "results.json").is_file()
    monkeypatch.delenv(GRADERS_ENV)  # --graders set it for child processes; start again from the variable

    monkeypatch.setenv(GRADERS_ENV, str(graders))
    with_env = grade.invoke(["ci", "--all"])
    assert with_env.exit_code == 1 and len(sandbox.requests) == 4, with_env.output

    monkeypatch.setenv(GRADERS_ENV, str(student / "nowhere"))
    wrong = grade.invoke(["ci", "--all"])
    assert wrong.exit_code == 2 and GRADERS_ENV in wrong.output


def test_template_refuses_the_course_folder(two_repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, graders = two_repos
    monkeypatch.chdir(graders.parent)
    inside = Cli().invoke(["export", "template", "student-template"])
    assert inside.exit_code == 2 and "inside the course repository" in inside.output


def test_graders_option_before_an_exercise_folder(two_repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    student, graders = two_repos
    monkeypatch.chdir(student)
    sandbox = half_failing_sandbox(student.parent / "course")
    grade = Cli()
    grade.use(sandbox)
    run = grade.invoke(["--graders", str(graders), "exercises/04_sqlalchemy"])
    assert run.exit_code == 1 and len(sandbox.requests) == 1, run.output
