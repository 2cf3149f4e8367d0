"""grade ci end to end: a temporary course repository, a base commit and a student's commit."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from runner.ci import error_annotations, fence_tokens, step_summary
from runner.exercise import Exercise
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox

from .fakes import Cli

INJECTION = "::set-output name=result::forged\n::add-mask::x\n```\n# escaped the fence"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def course(tmp_path: Path, root: Path) -> Path:
    repo = tmp_path / "course"
    for part in ("exercises", "graders"):
        for name in ("01_python_basics", "04_sqlalchemy"):
            shutil.copytree(root / part / name, repo / part / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "student")
    shop = repo / "exercises" / "04_sqlalchemy" / "bookshop.py"
    shop.write_text(shop.read_text() + "\n# my work\n")
    git(repo, "commit", "-q", "-am", "my work")
    return repo


def sandbox_for(exercise_id: str) -> FakeSandbox:
    """Every test fails with a location in bookshop.py and prints an injection attempt."""

    def respond(request: RunRequest) -> RunOutcome:
        from runner.exercise import load_exercise

        exercise = load_exercise(Path.cwd() / "exercises" / exercise_id)
        events: list[dict[str, object]] = [
            {"type": "test", "nodeid": t.id, "status": "passed" if i else "failed", "message": "boom: expected 1, got 2",
             "location": {"file": "bookshop.py", "line": 12}, "output": INJECTION, "duration_s": 0.1}
            for i, t in enumerate(exercise.tests)
        ]  # fmt: skip
        events += [{"type": "test", "nodeid": str(request.sentinel), "status": "failed"}, {"type": "done"}]
        events.insert(0, {"type": "collected", "nodeids": [t.id for t in exercise.tests]})
        exit_record = {"type": "exit", "returncode": 0, "timed_out": False, "rejected_events": 0, "output": ""}
        return RunOutcome(events=tuple(events), exit=exit_record, duration_s=0.2)

    return FakeSandbox(respond)


def test_grade_ci_grades_only_what_changed(course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(course)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    sandbox = sandbox_for("04_sqlalchemy")
    grade = Cli()
    grade.use(sandbox)
    result = grade.invoke(["ci"])
    assert result.exit_code == 1, result.output
    assert len(sandbox.requests) == 1, "only 04_sqlalchemy changed"
    assert "grading 04_sqlalchemy (1/1)" in result.output, "a log says what it grades as it goes"

    suites = ET.parse(course / "reports" / "junit.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["04_sqlalchemy"]
    cases = suites[0].findall("testcase")
    assert len(cases) >= 12 and sum(c.find("failure") is not None for c in cases) == 1
    assert suites[0].find(f"properties/property[@name='points:{cases[0].get('name')}']") is not None

    errors = [line for line in result.output.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error file=exercises/04_sqlalchemy/bookshop.py,line=12,title=")

    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    end = lines.index(f"::{token}::")
    assert any(line.startswith("::set-output") for line in lines[start:end]), "the injection is inside the fence"
    assert not any(line.startswith(("::set-output", "::add-mask")) for line in lines[:start] + lines[end + 1 :])

    text = summary.read_text()
    assert "| Exercise | Score | Status |" in text and "Hint:" in text
    fence_lines = [line for line in text.splitlines() if line.startswith("````")]
    assert fence_lines, "student output with ``` is fenced by a longer fence"

    (name, value) = output.read_text().strip().split("=", 1)
    assert name == "result"
    classroom = json.loads(base64.b64decode(value))
    assert classroom["version"] == 1 and classroom["status"] == "fail"
    assert {t["status"] for t in classroom["tests"]} == {"pass", "fail"}
    saved = json.loads((course / "reports" / "04_sqlalchemy" / "results.json").read_text())
    assert classroom["max_score"] == saved["max_score"]
    assert sum(t["score"] for t in classroom["tests"]) == saved["score"] < saved["max_score"]


def test_fail_under_and_nothing_changed(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(course)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    grade = Cli()
    grade.use(sandbox_for("04_sqlalchemy"))
    assert grade.invoke(["ci", "--fail-under", "50"]).exit_code == 0
    assert grade.invoke(["ci", "--fail-under", "99.9"]).exit_code == 1
    untouched = grade.invoke(["ci", "--base", "HEAD"])
    assert untouched.exit_code == 0 and "nothing to grade" in untouched.output


def test_annotation_escaping_and_fences(sqlalchemy_exercise: Exercise) -> None:
    from tests.fakes import sample

    result = sample(sqlalchemy_exercise)
    for line in error_annotations(result, "exercises/04_sqlalchemy"):
        assert "\n" not in line
    start, end = fence_tokens()
    assert start.startswith("::stop-commands::") and end == f"::{start.split('::')[2]}::"
    assert fence_tokens() != (start, end), "the end token is new each time, so nothing printed can guess it"
    assert "| Exercise | Score | Status |" in step_summary([result])


def test_annotations_are_capped_per_exercise(sqlalchemy_exercise: Exercise) -> None:
    from runner.ci import MAX_ANNOTATIONS
    from tests.fakes import sample

    result = sample(sqlalchemy_exercise, failing=len(sqlalchemy_exercise.tests))
    assert len(result.tests) > MAX_ANNOTATIONS + 1
    lines = error_annotations(result, "exercises/04_sqlalchemy")
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] * MAX_ANNOTATIONS + ["::notice"]
    assert f"{len(result.tests) - MAX_ANNOTATIONS} more tests did not pass" in lines[-1]
    few = error_annotations(sample(sqlalchemy_exercise, failing=3), "exercises/04_sqlalchemy")
    assert len(few) == 3 and all(line.startswith("::error ") for line in few)
