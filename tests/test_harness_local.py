"""The real harness, run by the local backend (no Docker): outcomes of hostile submissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.exercise import load_exercise
from runner.grading import grade_folder
from runner.sandbox.local import LocalSandbox

from .harness_cases import MODULE_CASES, demo_exercise, module_submission, notebook_submission


@pytest.mark.parametrize("case", sorted(MODULE_CASES))
def test_module_case(tmp_path: Path, case: str) -> None:
    source, status, test_statuses = MODULE_CASES[case]
    exercise = demo_exercise(tmp_path)
    result = grade_folder(exercise, module_submission(tmp_path, source), LocalSandbox())
    assert result.status == status, result.message
    assert tuple(t.status for t in result.tests) == test_statuses, [(t.id, t.status, t.message) for t in result.tests]
    if status == "tampered":
        assert result.score == 0


def test_output_is_captured_per_test(tmp_path: Path) -> None:
    source, _, _ = MODULE_CASES["correct"]
    exercise = demo_exercise(tmp_path)
    result = grade_folder(exercise, module_submission(tmp_path, source), LocalSandbox())
    shout = next(t for t in result.tests if t.id.endswith("test_shout"))
    assert "shouting hi" in shout.output


def test_failure_message_says_what_was_expected(tmp_path: Path) -> None:
    source, _, _ = MODULE_CASES["correct"]
    exercise = demo_exercise(tmp_path)
    result = grade_folder(exercise, module_submission(tmp_path, source.replace("a + b", "a * b")), LocalSandbox())
    add = next(t for t in result.tests if t.id.endswith("test_add"))
    assert add.status == "failed"
    assert "add(2, 3) should be 5, got 6" in add.message
    assert "def test_add" not in add.message, "hidden test source must not leak"


def test_error_location_points_at_the_student_file(tmp_path: Path) -> None:
    source, _, _ = MODULE_CASES["correct"]
    exercise = demo_exercise(tmp_path)
    broken = source.replace("return a - b", "return a - undefined_name")
    result = grade_folder(exercise, module_submission(tmp_path, broken), LocalSandbox())
    sub = next(t for t in result.tests if t.id.endswith("test_sub"))
    assert sub.status == "failed" and "NameError" in sub.message
    assert sub.location is not None and sub.location.file == "demo.py"
    assert broken.splitlines()[sub.location.line - 1].strip() == "return a - undefined_name"


def test_notebook_cells_errors_and_timeouts(tmp_path: Path) -> None:
    exercise = demo_exercise(tmp_path, kind="notebook", cell_timeout_s=1)
    cells = [
        "def add(a, b):\n    return a + b",
        "1 / 0",
        "while True:\n    pass",
        "def slow():\n    return 'done'\ndef sub(a, b):\n    return a - b",
        "def shout(text):\n    return text.upper()",
    ]
    result = grade_folder(exercise, notebook_submission(tmp_path, cells), LocalSandbox())
    assert result.status == "passed", result.message
    assert [(c.index, c.status) for c in result.cells] == [(1, "ok"), (2, "error"), (3, "timeout"), (4, "ok"), (5, "ok")]
    assert result.cells[1].error is not None and "ZeroDivisionError" in result.cells[1].error


def test_reference_solution_scores_full_marks_locally(root: Path, tmp_path: Path) -> None:
    exercise = load_exercise(root / "exercises" / "04_sqlalchemy")
    result = grade_folder(exercise, exercise.reference_path(), LocalSandbox())
    assert result.status == "passed" and result.percent == 100.0, result.message
    assert result.sandbox.isolated is False
