"""GitHub Classroom end to end: our workflow, fed by a real ``grade ci`` run, read by the reporter's
contract (tests/classroom_reporter.py re-states its source)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import classroom_reporter as reporter

from .fakes import Cli, half_failing_sandbox

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "grade.yml"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def student_repo(tmp_path: Path, root: Path) -> Path:
    """A Classroom student's repository on main: two exercises, nothing changed since the template."""
    repo = tmp_path / "student"
    for part in ("exercises", "graders"):
        for name in ("01_python_basics", "04_sqlalchemy"):
            shutil.copytree(root / part / name, repo / part / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "template")
    return repo


def reporter_step(workflow: str) -> tuple[str, dict[str, str]]:
    """The reporter step's ``runners`` input and its ``*_RESULTS`` env, as written in the workflow."""
    step = workflow[workflow.index("uses: education/autograding-grading-reporter@v1") :]
    runners = re.search(r"^\s+runners: (\S+)$", step, re.M)
    env = dict(re.findall(r"^\s+(\w+_RESULTS): (\$\{\{ steps\.\w+\.outputs\.\w+ \}\})$", step, re.M))
    assert runners and env, "the reporter step needs runners and a *_RESULTS variable"
    return runners.group(1), env


def resolve(expression: str, step_id: str, outputs: dict[str, str]) -> str:
    """``${{ steps.ID.outputs.NAME }}`` as Actions resolves it from the step's $GITHUB_OUTPUT."""
    match = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.(\w+) \}\}", expression)
    assert match and match.group(1) == step_id, f"{expression} does not read the grade step's output"
    return outputs.get(match.group(2), "")


def test_workflow_is_what_the_reporter_needs() -> None:
    text = WORKFLOW.read_text()
    jobs = re.findall(r"^  ([\w-]+):\n    runs-on:", text, re.M)
    assert jobs == [reporter.CHECK_RUN_NAME], "exactly one check run with the reporter's name"
    assert not re.search(r"^    name:", text, re.M), "a job name would rename the check run"
    for scope, level in reporter.PERMISSIONS.items():
        assert re.search(rf"^  {scope}: {level}\b", text, re.M), f"permissions: {scope}: {level}"
    triggers = text[text.index("\non:") : text.index("\npermissions:")]
    assert re.search(r"^  push:", triggers, re.M) and "branches-ignore" not in triggers, "pushes to main are graded"
    assert "id: grade" in text and "grade ci --all" in text


def test_reporter_total_equals_ours(student_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(student_repo)
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    sandbox = half_failing_sandbox(student_repo)
    grade = Cli()
    grade.use(sandbox)
    run = grade.invoke(["ci", "--all"])
    assert run.exit_code == 1, run.output
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())

    runners_input, env_spec = reporter_step(WORKFLOW.read_text())
    env = {name: resolve(expression, "grade", outputs) for name, expression in env_spec.items()}
    runners = reporter.read_runners(runners_input, env)

    saved = [json.loads(p.read_text()) for p in sorted((student_repo / "reports").glob("*/results.json"))]
    ours = (sum(r["score"] for r in saved), sum(r["max_score"] for r in saved))
    assert len(saved) == 2 and 0 < ours[0] < ours[1]
    assert reporter.classroom_points(runners) == ours, "Classroom records our total"
    assert reporter.step_fails(runners)

    lines = reporter.console_lines(runners)
    log = "\n".join(lines)
    failed = [t for r in saved for t in r["tests"] if t["status"] != "passed"]
    passed = [t for r in saved for t in r["tests"] if t["status"] == "passed"]
    for test in failed:
        assert test["message"] in log, "a failed test shows what to fix"
        assert f"Hint: {test['hint']}" in log if test["hint"] else True
    for test in passed:
        assert test["hint"] not in log or any(test["hint"] == f["hint"] for f in failed), "no hint under a passed test"
    assert log.count("Test code:") == len(failed)
