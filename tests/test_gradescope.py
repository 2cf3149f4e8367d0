"""Gradescope's autograder: the zip's layout, and a run on Gradescope's folders in a container.

Gradescope's own image cannot be pulled here, so the run uses a container made from our sandbox
image laid out as Gradescope's (/autograder/source, /autograder/submission, /autograder/results);
setup.sh (apt and PyPI at image-build time) is replaced by linking the image's venv.
"""

from __future__ import annotations

import json
import stat
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import cli
from runner.errors import SubmissionError
from runner.exercise import Exercise, load_exercise
from runner.gradescope import VISIBILITIES, gather, results_json
from runner.sandbox import DEFAULT_IMAGE
from tests.fakes import sample


def export(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> zipfile.ZipFile:
    monkeypatch.chdir(root)
    target = tmp_path / "autograder.zip"
    run = CliRunner().invoke(cli.main, ["export", "gradescope", "04_sqlalchemy", "-o", str(target), *args])
    assert run.exit_code == 0, run.output
    return zipfile.ZipFile(target)


def test_zip_layout(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = export(root, tmp_path, monkeypatch).infolist()
    by_name = {info.filename: info for info in names}
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(by_name[script].external_attr >> 16) == 0o755, f"{script} at the root, executable"
    assert any(n.startswith("course/graders/04_sqlalchemy/tests/test_") for n in by_name), "the hidden suite"
    assert "course/runner/gradescope.py" in by_name and "course/exercises/04_sqlalchemy/exercise.toml" in by_name
    assert not any("/solution/" in n or "/mutants/" in n for n in by_name), "no reference solution, no mutants"
    assert not any(n.startswith("course/graders/") and "04_sqlalchemy" not in n for n in by_name)


def test_a_tests_exercise_zip_carries_the_target_module_and_loads_with_the_same_suite(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kind ``tests``: the zip holds ``target/`` and the mutants (not ``solution/``), and the course
    inside it loads 16_testing with the suite hash of the original."""
    monkeypatch.chdir(root)
    out = tmp_path / "autograder.zip"
    run = CliRunner().invoke(cli.main, ["export", "gradescope", "16_testing", "-o", str(out)])
    assert run.exit_code == 0, run.output
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "course/graders/16_testing/target/cart.py" in names, "the target module"
        assert not any("/solution/" in n for n in names), "no reference solution"
        archive.extractall(tmp_path / "zip")
    unpacked = load_exercise(tmp_path / "zip" / "course" / "exercises" / "16_testing")
    assert unpacked.suite_hash == load_exercise(root / "exercises" / "16_testing").suite_hash


def test_gather_takes_the_shallowest_file(sqlalchemy_exercise: Exercise, tmp_path: Path) -> None:
    upload = tmp_path / "submission"
    (upload / "exercises" / "04_sqlalchemy").mkdir(parents=True)
    (upload / "exercises" / "04_sqlalchemy" / "bookshop.py").write_text("deep = True\n")
    folder = gather(sqlalchemy_exercise, upload, tmp_path / "work")
    assert (folder / "bookshop.py").read_text() == "deep = True\n"
    (upload / "bookshop.py").write_text("top = True\n")
    assert (gather(sqlalchemy_exercise, upload, tmp_path / "again") / "bookshop.py").read_text() == "top = True\n"
    with pytest.raises(SubmissionError, match=r"no bookshop\.py"):
        gather(sqlalchemy_exercise, tmp_path / "work" / "04_sqlalchemy" / "tests", tmp_path / "none")


def test_hidden_tests_keep_points_with_the_chosen_visibility(sqlalchemy_exercise: Exercise) -> None:
    result = sample(sqlalchemy_exercise, failing=2)
    result = replace(result, tests=(replace(result.tests[0], hidden=True), *result.tests[1:]))
    for visibility in VISIBILITIES[:3]:
        data = json.loads(results_json(result, visibility))
        assert data["tests"][0]["visibility"] == visibility and data["tests"][1]["visibility"] == "visible"
        assert sum(t["score"] for t in data["tests"]) == data["score"] == result.score


@pytest.mark.docker
def test_run_autograder_on_gradescope_folders(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docker_sandbox: object
) -> None:
    autograder = tmp_path / "autograder"
    source = autograder / "source"
    export(root, tmp_path, monkeypatch).extractall(source)
    (autograder / "run_autograder").write_bytes((source / "run_autograder").read_bytes())
    (autograder / "run_autograder").chmod(0o755)
    (source / "run_autograder").chmod(0o755)
    upload = autograder / "submission" / "exercises" / "04_sqlalchemy"
    upload.mkdir(parents=True)
    exercise = load_exercise(root / "exercises" / "04_sqlalchemy")
    commits = next(m for m in exercise.mutants() if m.name == "commits")
    (upload / "bookshop.py").write_bytes(exercise.apply(commits)["bookshop.py"])
    (autograder / "results").mkdir()
    script = "ln -s /opt/venv /autograder/venv && cd /autograder && ./run_autograder > results/stdout 2>&1"
    done = subprocess.run(
        ["docker", "run", "--rm", "-u", "0", "--network", "none", "-v", f"{autograder}:/autograder",
         DEFAULT_IMAGE, "bash", "-c", script],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    stdout = (autograder / "results" / "stdout").read_text() if (autograder / "results" / "stdout").is_file() else ""
    assert done.returncode == 0, done.stderr + stdout
    data = json.loads((autograder / "results" / "results.json").read_text())
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    maximum = sum(t["max_score"] for t in data["tests"])
    assert failed and 0 < data["score"] < maximum, "the mutant that commits loses points, not all"
    assert data["score"] == sum(t["score"] for t in data["tests"])
    assert all(t["output"] for t in failed), "a failed test says why"
    assert "def test_" not in json.dumps(data), "no hidden test source reaches the student"
