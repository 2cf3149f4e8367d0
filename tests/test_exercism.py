"""Exercism v3 as its interface says: the truncation notice, task_id from the README's numbered
tasks, no hint or message for hidden tests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import cli
from runner.exercise import Exercise
from runner.exercism import OUTPUT_LIMIT, TRUNCATED, limited_output, readme_tasks, task_ids
from runner.render import render_exercism, write_reports
from tests.fakes import sample


def test_output_is_cut_with_the_notice() -> None:
    assert limited_output("x" * OUTPUT_LIMIT) == "x" * OUTPUT_LIMIT
    cut = limited_output("y" * 2000)
    assert len(cut) == OUTPUT_LIMIT and cut.endswith("Output was truncated. Please limit to 500 chars")
    assert cut.startswith("y") and TRUNCATED.strip() in cut


def test_task_ids_follow_the_readme(basics_exercise: Exercise, sqlalchemy_exercise: Exercise) -> None:
    assert readme_tasks("### 1. `word_counts(text)`\n\n### 2. `read_file(name)`\n")["read_file"] == 2
    ids = task_ids(basics_exercise)
    by_function = {test_id.rsplit("::", 1)[-1]: task for test_id, task in ids.items()}
    assert by_function["test_word_counts_counts_words"] == 1 and by_function["test_read_file_missing_file"] == 2
    assert by_function["test_safe_divide_exact"] == 3 and by_function["test_parse_config_empty_value_allowed"] == 6
    assert len(ids) == len(basics_exercise.tests), "every test of 01 is in a numbered task"
    assert task_ids(sqlalchemy_exercise) == {}, "04's README numbers no tasks"


def test_results_carry_task_ids_and_hide_hidden_tests(basics_exercise: Exercise) -> None:
    result = sample(basics_exercise, failing=2)
    noisy = replace(result.tests[1], output="z" * 900)
    secret = replace(result.tests[0], hidden=True, output="printed")
    result = replace(result, tests=(secret, noisy, *result.tests[2:]))
    data = json.loads(render_exercism(result, task_ids(basics_exercise)))
    first, second = data["tests"][:2]
    assert first["test_code"] == first["name"] and "message" not in first and "output" not in first
    assert secret.hint not in json.dumps(first), "no hint for a hidden test"
    assert second["message"].endswith(f"Hint: {noisy.hint}") and second["output"].endswith(TRUNCATED)
    assert len(second["output"]) == OUTPUT_LIMIT
    assert all(isinstance(t["task_id"], int) and t["task_id"] >= 1 for t in data["tests"])


def test_grade_report_adds_task_ids_from_the_course(
    basics_exercise: Exercise, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_reports(sample(basics_exercise), tmp_path)
    monkeypatch.chdir(root)
    run = CliRunner().invoke(cli.main, ["report", str(paths["results"]), "--format", "exercism"])
    assert run.exit_code == 0, run.output
    assert all("task_id" in t for t in json.loads((tmp_path / "exercism.json").read_text())["tests"])
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli.main, ["report", str(paths["results"]), "--format", "exercism"]).exit_code == 0
    assert all("task_id" not in t for t in json.loads((tmp_path / "exercism.json").read_text())["tests"])
