"""Grading for real in the Docker sandbox. Skipped without an engine; required when CI is set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runner.exercise import Exercise
from runner.grading import grade_folder
from runner.sandbox.probe import probe

from .fakes import working_copy
from .harness_cases import GOOD, MODULE_CASES, demo_exercise, module_submission, notebook_submission

pytestmark = pytest.mark.docker
GRADE = [sys.executable, "-m", "runner.cli"]


def grade(root: Path, folder: Path, reports: Path) -> tuple[int, dict[str, Any], str]:
    """Run the real CLI on ``folder``; its exit code, saved results and output."""
    done = subprocess.run(
        [*GRADE, str(folder), "--backend", "docker", "--reports", str(reports)],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (saved,) = reports.glob("*/results.json")
    return done.returncode, json.loads(saved.read_text()), done.stdout + done.stderr


def test_sandbox_keeps_its_promises(docker_sandbox: Any) -> None:
    rows = probe(docker_sandbox)
    assert all(ok for _, ok, _ in rows), rows


def test_starter_scores_low_and_reference_full(
    root: Path, tmp_path: Path, sqlalchemy_exercise: Exercise, docker_sandbox: Any
) -> None:
    code, result, output = grade(root, working_copy(tmp_path / "a", sqlalchemy_exercise), tmp_path / "reports-a")
    assert code == 1, output
    assert result["score"] == 0 and result["status"] == "failed"
    assert "hint" in output
    solved = working_copy(tmp_path / "b", sqlalchemy_exercise, sqlalchemy_exercise.reference_path())
    code, result, output = grade(root, solved, tmp_path / "reports-b")
    assert code == 0, output
    assert result["percent"] == 100.0 and result["sandbox"]["backend"] == "docker"
    assert result["grader"]["image_id"].startswith("sha256:")
    assert (tmp_path / "reports-b" / "04_sqlalchemy" / "report.html").is_file()


def test_notebook_reference_and_a_raising_cell(
    root: Path, tmp_path: Path, basics_exercise: Exercise, docker_sandbox: Any
) -> None:
    solved = working_copy(tmp_path / "a", basics_exercise, basics_exercise.reference_path())
    code, result, output = grade(root, solved, tmp_path / "reports")
    assert code == 0, output
    assert result["percent"] == 100.0
    assert result["cells"] and all(c["status"] == "ok" for c in result["cells"])


@pytest.mark.parametrize("boundary", ["shared", "process"])
def test_notebook_loop_cell_is_stopped_and_later_cells_run(tmp_path: Path, docker_sandbox: Any, boundary: str) -> None:
    """The kernel (started without its debugger, its client ready without a drain) is still
    interrupted at a cell's time limit, on both paths."""
    exercise = demo_exercise(tmp_path, kind="notebook", boundary=boundary, cell_timeout_s=1)
    cells = ["def add(a, b):\n    return a + b", "while True:\n    pass", "1 / 0",
             "def slow():\n    return 'done'\ndef sub(a, b):\n    return a - b\ndef shout(t):\n    return t.upper()"]  # fmt: skip
    result = grade_folder(exercise, notebook_submission(tmp_path, cells), docker_sandbox)
    assert result.status == "passed", result.message
    assert [c.status for c in result.cells] == ["ok", "timeout", "error", "ok"]


@pytest.mark.parametrize("case", ["loop_in_one_function", "loop_at_import", "writes_the_result_channel", "os_exit_mid_test"])
def test_hostile_module_in_docker(tmp_path: Path, case: str, docker_sandbox: Any) -> None:
    source, status, statuses = MODULE_CASES[case]
    result = grade_folder(demo_exercise(tmp_path), module_submission(tmp_path, source), docker_sandbox)
    assert result.status == status, result.message
    assert tuple(t.status for t in result.tests) == statuses


def test_memory_exhaustion_is_a_resource_limit(tmp_path: Path, docker_sandbox: Any) -> None:
    hog = GOOD.replace('return "done"', "blocks = []\n    while True:\n        blocks.append(bytearray(50 * 2**20))")
    result = grade_folder(demo_exercise(tmp_path, memory_mb=256), module_submission(tmp_path, hog), docker_sandbox)
    assert result.status == "resource_limit", result.message
    assert next(t for t in result.tests if t.id.endswith("test_add")).status == "passed"


def test_fork_bomb_is_contained(tmp_path: Path, docker_sandbox: Any) -> None:
    bomb = GOOD.replace(
        'return "done"',
        "import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass",
    )
    result = grade_folder(
        demo_exercise(tmp_path, pids=64, submission_timeout_s=6), module_submission(tmp_path, bomb), docker_sandbox
    )
    assert result.status in ("timeout", "failed", "resource_limit"), result.message
    assert next(t for t in result.tests if t.id.endswith("test_add")).status == "passed"


def test_no_container_is_left_behind(docker_sandbox: Any) -> None:
    from runner.sandbox.docker import leftover_containers

    assert leftover_containers(docker_sandbox.engine, settle_s=20) == []


def test_verify_both_foundation_exercises(root: Path, docker_sandbox: Any) -> None:
    done = subprocess.run([*GRADE, "verify", "01_python_basics", "04_sqlalchemy", "--backend", "docker"],
                          cwd=root, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout


def test_the_sandbox_python_is_the_one_pinned_and_recorded(tmp_path: Path, docker_sandbox: Any) -> None:
    """Whatever the base image came from, the image carries the pinned Python, and results say so."""
    from runner.grading import grade_folder
    from runner.render import render_html
    from runner.sandbox.image import SANDBOX_PYTHON_VERSION

    from .harness_cases import GOOD, demo_exercise, module_submission

    assert docker_sandbox.python_version() == SANDBOX_PYTHON_VERSION
    result = grade_folder(demo_exercise(tmp_path), module_submission(tmp_path, GOOD), docker_sandbox)
    assert result.grader.python == SANDBOX_PYTHON_VERSION
    assert f"<dd>{SANDBOX_PYTHON_VERSION} (the sandbox's interpreter)</dd>" in render_html(result)


def test_the_prepared_container_is_the_one_the_run_uses_and_close_removes_an_unused_one(
    tmp_path: Path, docker_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prepare`` starts the run's container ahead (while the host collects the submission): the
    run then starts no other, and one prepared for a run that never comes goes with ``close``."""
    from runner.sandbox.docker import DockerSandbox
    from runner.sandbox.engine import EngineError

    from .harness_cases import GOOD, demo_exercise, module_submission

    exercise = demo_exercise(tmp_path)
    own = DockerSandbox(docker_sandbox.image, docker_sandbox.engine)
    launched: list[str] = []
    launch = own.launch

    def counted(kind: str, limits: Any, boundary: Any) -> tuple[str, Any]:
        started = launch(kind, limits, boundary)
        launched.append(started[0])
        return started

    monkeypatch.setattr(own, "launch", counted)
    own.prepare(exercise.kind, exercise.limits, exercise.boundary)
    result = grade_folder(exercise, module_submission(tmp_path, GOOD), own)
    assert result.score == result.max_score, result.message
    assert len(launched) == 1 and own.warm is None and own.starting is None
    with pytest.raises(EngineError) as gone:
        own.engine.inspect(launched[0])  # removed after its run
    assert gone.value.status == 404
    own.prepare(exercise.kind, exercise.limits, exercise.boundary)
    own.close()
    assert len(launched) == 2
    with pytest.raises(EngineError) as gone:
        own.engine.inspect(launched[1])
    assert gone.value.status == 404
