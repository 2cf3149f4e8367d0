"""Golden files: ``results.json`` and ``report.html`` for one small exercise of each kind, graded
against a scripted sandbox and compared byte for byte with ``tests/golden/<kind>/``.

They catch what a targeted assertion misses: a field renamed or dropped from the JSON, a report
section lost, a score rounded differently. Times, temporary paths and the grader's version are
normalised before comparing. When a change is intended, regenerate and review the diff:

    GRADE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

The exercises and the sandbox are made here and kept local to this module (not shared fakes), so
the golden files change only when grading or rendering does, never with the curriculum.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from runner.exercise import Exercise, load_exercise
from runner.grading import grade_folder
from runner.mutants import write_mutant
from runner.render import write_reports
from runner.results import SubmissionResult
from runner.sandbox import RunOutcome, RunRequest

GOLDEN = Path(__file__).parent / "golden"
UPDATE_ENV = "GRADE_UPDATE_GOLDEN"
KINDS = ("module", "notebook", "files", "tests")
#: What each kind's scripted run reports per test, in the manifest's order (the rest pass).
SCRIPTS: dict[str, tuple[str, ...]] = {
    "module": ("passed", "failed", "error", "passed"),
    "notebook": ("passed", "failed", "passed"),
    "files": ("failed", "passed"),
    "tests": ("passed", "passed", "failed"),
}

HIDDEN_MODULE = '''\
import pytest


@pytest.mark.points(2, hint="Add the two numbers.")
def test_add(student):
    assert student.add(2, 3) == 5


@pytest.mark.points(1, hint="Subtract the second from the first.")
def test_sub(student):
    assert student.sub(5, 3) == 2


class TestDivide:
    @pytest.mark.points(3, hint="Raise ZeroDivisionError for 0.")
    def test_by_zero(self, student):
        """Dividing by zero raises ZeroDivisionError."""

    @pytest.mark.points(1, hint="Return a float.", hidden=True)
    def test_float(self, student):
        pass
'''
HIDDEN_NOTEBOOK = """\
import pytest


@pytest.mark.points(1, hint="Define greet(name).")
def test_greet(student):
    pass


@pytest.mark.points(2, hint="Count the words.")
def test_count_words(student):
    pass


@pytest.mark.points(1, hint="Keep the order.")
def test_order(student):
    pass
"""
HIDDEN_FILES = """\
import pytest


@pytest.mark.points(2, hint="Start from python:3.12-slim.")
def test_base_image(student):
    pass


@pytest.mark.points(1, hint="Run as a non-root user.")
def test_user(student):
    pass
"""
CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


class ScriptedSandbox:
    """Local to this module: answers every run as the harness would for ``statuses`` (test id ->
    status), the must-fail sentinel failing, with fixed messages, outputs and durations."""

    name = "scripted"
    isolated = True

    def __init__(self, statuses: dict[str, str], cells: tuple[dict[str, Any], ...] = ()) -> None:
        self.statuses, self.cells = statuses, cells

    def image_id(self) -> str | None:
        return "sha256:" + "0123456789abcdef" * 4

    def python_version(self) -> str | None:
        return "3.11.2"

    def close(self) -> None:
        return None

    def run(self, request: RunRequest) -> RunOutcome:
        statuses = {**self.statuses, **({request.sentinel: "failed"} if request.sentinel else {})}
        events: list[dict[str, Any]] = [*self.cells, {"type": "collected", "nodeids": list(statuses)}]
        for test_id, status in statuses.items():
            failing = status != "passed"
            events.append({
                "type": "test", "nodeid": test_id, "status": status, "duration_s": 0.25,
                "message": f"expected 5, got 6 in {test_id}" if failing else "",
                "location": {"file": "calc.py", "line": 2} if status == "failed" else None,
                "output": "printed by the submission\n" if failing else "",
            })  # fmt: skip
        events.append({"type": "done"})
        exit_record = {"type": "exit", "returncode": 0, "timed_out": False, "rejected_events": 0,
                       "output": "", "output_bytes": 0, "duration_s": 1.5}  # fmt: skip
        return RunOutcome(events=tuple(events), exit=exit_record, duration_s=1.5)


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def course(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    """``exercises/90_<kind>`` with its grader, and a student's folder ``student/``."""
    ident = f"90_{kind}"
    exercise, grader, student = tmp_path / "exercises" / ident, tmp_path / "graders" / ident, tmp_path / "student"
    for folder in (exercise, grader, student):
        folder.mkdir(parents=True)
    header = f'id = "{ident}"\ntitle = "Golden {kind}"\ntopic = "the {kind} kind"\nkind = "{kind}"\n'
    if kind == "module":
        write(exercise, {"exercise.toml": header + 'files = ["calc.py"]\n'})
        write(grader, {"tests/test_calc.py": HIDDEN_MODULE})
        write(student, {"calc.py": CALC})
    elif kind == "notebook":
        write(exercise, {"exercise.toml": header + 'files = ["exercise.ipynb"]\n[limits]\ncell_timeout_s = 2\n'})
        write(grader, {"tests/test_notebook.py": HIDDEN_NOTEBOOK})
        cells = [nbformat.v4.new_markdown_cell("# Words"), nbformat.v4.new_code_cell("def greet(name):\n    return name"),
                 nbformat.v4.new_code_cell("1 / 0")]  # fmt: skip
        notebook = nbformat.v4.new_notebook(cells=cells)
        for index, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{index}"  # fixed ids: nbformat would pick random ones
        write(student, {"exercise.ipynb": nbformat.writes(notebook)})
    elif kind == "files":
        write(exercise, {"exercise.toml": header + 'files = ["Dockerfile"]\n'})
        write(grader, {"tests/test_dockerfile.py": HIDDEN_FILES})
        write(student, {"Dockerfile": 'FROM python:3.12\nCMD ["python"]\n'})
    else:
        write(exercise, {"exercise.toml": header + 'files = ["test_calc.py"]\nmodule = "calc"\n'})
        write(grader, {"target/calc.py": CALC})
        for name, before, after in [("adds_wrong", "a + b", "a - b"), ("subs_wrong", "return a - b", "return b - a")]:
            edited = {"calc.py": CALC.replace(before, after).encode()}
            write_mutant(grader / "mutants", name, f"{name.replace('_', ' ')} on purpose", {"calc.py": CALC.encode()}, edited)
        write(student, {"test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"})
    return exercise, student


def scripted(exercise: Exercise) -> ScriptedSandbox:
    script = SCRIPTS[exercise.kind]
    statuses = {spec.id: script[i] if i < len(script) else "passed" for i, spec in enumerate(exercise.tests)}
    cells: tuple[dict[str, Any], ...] = ()
    if exercise.kind == "notebook":
        cells = ({"type": "cell", "index": 1, "status": "ok", "duration_s": 0.125},
                 {"type": "cell", "index": 2, "status": "error", "error": "ZeroDivisionError: division by zero", "line": 1,
                  "duration_s": 0.0625})  # fmt: skip
    return ScriptedSandbox(statuses, cells)


def normalised(result: SubmissionResult, tmp_path: Path) -> SubmissionResult:
    """``result`` without what changes from run to run: when, how long the host took, where, which grade."""
    data = result.to_dict()
    data.pop("percent")
    data |= {"started_at": "2000-01-01T00:00:00+00:00", "duration_s": 1.0}
    data["grader"]["version"] = "0.0.0"
    text = json.dumps(data).replace(str(tmp_path), "/tmp/golden")
    return SubmissionResult.from_dict(json.loads(text))


def compare(actual: str, golden: Path, regenerate: Callable[[], None]) -> None:
    if os.environ.get(UPDATE_ENV) == "1":
        regenerate()
        return
    if not golden.is_file():
        pytest.fail(f"{golden} is missing: make it with {UPDATE_ENV}=1 python -m pytest tests/test_golden.py")
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(), str(golden), "now", lineterm="", n=2)
        shown = "\n".join(list(diff)[:80])
        pytest.fail(
            f"{golden.name} differs from {golden} (if the change is intended, regenerate with "
            f"{UPDATE_ENV}=1 python -m pytest tests/test_golden.py and review the diff):\n{shown}"
        )


@pytest.mark.parametrize("kind", KINDS)
def test_reports_match_the_golden_files(kind: str, tmp_path: Path) -> None:
    exercise_dir, student = course(tmp_path / "course", kind)
    exercise = load_exercise(exercise_dir)
    result = normalised(grade_folder(exercise, student, scripted(exercise)), tmp_path / "course")
    written = write_reports(result, tmp_path / "reports")
    for name, path in (("results.json", written["results"]), ("report.html", written["html"])):
        golden = GOLDEN / kind / name
        actual = path.read_text(encoding="utf-8")

        def regenerate(golden: Path = golden, actual: str = actual) -> None:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(actual, encoding="utf-8")

        compare(actual, golden, regenerate)


def test_the_golden_results_cover_every_kind_and_several_statuses() -> None:
    """The golden files are not all passes: each shows failures, and the notebook one its cells."""
    for kind in KINDS:
        data = json.loads((GOLDEN / kind / "results.json").read_text(encoding="utf-8"))
        statuses = {test["status"] for test in data["tests"]}
        assert data["status"] not in ("tampered", "infra_error"), (
            f"{kind}: the scripted run should be scored, not {data['status']}"
        )
        assert {"passed", "failed"} <= statuses | {data["status"]}, f"{kind}: expected passes and failures, got {statuses}"
        assert 0 < data["score"] < data["max_score"], f"{kind}: a partial score, got {data['score']} of {data['max_score']}"
    notebook = json.loads((GOLDEN / "notebook" / "results.json").read_text(encoding="utf-8"))
    assert [cell["status"] for cell in notebook["cells"]] == ["ok", "error"]
