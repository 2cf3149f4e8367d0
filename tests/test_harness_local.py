"""The real harness, run by the local backend (no Docker): outcomes of hostile submissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.exercise import load_exercise
from runner.grading import grade_folder
from runner.mutants import write_mutant
from runner.sandbox.local import LocalSandbox

from .fakes import write_exercise
from .harness_cases import MODULE_CASES, demo_exercise, module_submission, notebook_submission

pytestmark = pytest.mark.harness


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
    assert shout.output == "shouting hi\n", "a test's output is kept once, whatever phases it spans"


def test_failure_message_says_what_was_expected(tmp_path: Path) -> None:
    source, _, _ = MODULE_CASES["correct"]
    exercise = demo_exercise(tmp_path)
    result = grade_folder(exercise, module_submission(tmp_path, source.replace("a + b", "a * b")), LocalSandbox())
    add = next(t for t in result.tests if t.id.endswith("test_add"))
    assert add.status == "failed"
    assert add.message == "add(2, 3) should be 5, got 6", "the test's own message, without pytest's comparison"
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


def test_tests_kind_counts_caught_mutants(tmp_path: Path) -> None:
    from runner.exercise import load_exercise as load

    config = 'kind = "tests"\nfiles = ["test_calc.py"]\nmodule = "calc"\n[limits]\ntest_timeout_s = 5\n'
    files = {"grader/target/calc.py": "def double(x):\n    return 2 * x\n"}
    exercise = write_exercise(tmp_path / "course", "98_tests", config, files)
    grader = tmp_path / "course" / "graders" / "98_tests"
    target = {"calc.py": (grader / "target" / "calc.py").read_bytes()}
    for name, body, about in [("plus", "x + 2", "adds two"), ("square", "x * x", "squares"), ("loop", "double(x)", "never ends")]:
        edited = {"calc.py": f"def double(x):\n    return {body}\n".encode()}
        write_mutant(grader / "mutants", name, about, target, edited)
    loaded = load(exercise)
    assert [t.id for t in loaded.tests] == ["reference", "mutants/loop", "mutants/plus", "mutants/square"]

    def submit(name: str, source: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "test_calc.py").write_text("from calc import double\n" + source)
        return folder

    weak = grade_folder(loaded, submit("weak", "def test_two():\n    assert double(2) == 4\n"), LocalSandbox())
    assert weak.status == "failed" and weak.score == 1, weak.message
    assert {t.id: t.status for t in weak.tests} == {
        "reference": "passed", "mutants/loop": "passed", "mutants/plus": "failed", "mutants/square": "failed",
    }  # fmt: skip
    assert "caught 1 of 3" in weak.message
    strong = grade_folder(
        loaded, submit("strong", "def test_many():\n    assert [double(x) for x in (0, 3)] == [0, 6]\n"), LocalSandbox()
    )
    assert strong.status == "passed" and strong.percent == 100.0, strong.message
    wrong = grade_folder(loaded, submit("wrong", "def test_bad():\n    assert double(1) == 3\n"), LocalSandbox())
    assert wrong.status == "failed" and wrong.score == 0
    assert "fail against the correct implementation" in wrong.message and "test_bad" in wrong.message
    assert all(t.status == "skipped" for t in wrong.tests if t.id != "reference")


def test_the_supervisor_caps_its_stream_after_encoding(tmp_path: Path) -> None:
    """31 MiB of UTF-8 events grow threefold as ASCII JSON: what the supervisor writes stays far below
    the engine's 80 MiB log rotation, so the stream's head (and its exit record) is never lost."""
    import json

    from runner.harness.supervisor import MAX_EMITTED_BYTES
    from runner.sandbox import RunRequest

    flood = (
        "import os, json\nfd = os.open(os.environ['GRADER_CHANNEL'], os.O_WRONLY)\n"
        "for _ in range(310):\n"
        "    data = (json.dumps({'type': 'test', 'nodeid': 'x', 'status': 'passed', 'output': 'é' * 50000},"
        " ensure_ascii=False) + '\\n').encode()\n"
        "    while data:\n        data = data[os.write(fd, data):]\n"
    )
    exercise = demo_exercise(tmp_path, submission_timeout_s=60)
    request = RunRequest("module", "demo", {"demo.py": flood.encode()}, exercise.suite_files(), exercise.limits)
    outcome = LocalSandbox().run(request)
    written = sum(len(json.dumps({"type": "event", "event": e})) + 1 for e in outcome.events)
    assert written <= MAX_EMITTED_BYTES
    assert outcome.exit is not None and outcome.exit["rejected_events"] > 0
