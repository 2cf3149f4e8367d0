"""Choosing the exercise and its tests: ids, did-you-mean, ``-k``, ``--failed-only``, and the
selection hook run by a real pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runner.errors import UsageError
from runner.exercise import Exercise
from runner.focus import (
    Selection,
    combined,
    failed_selection,
    keyword_selection,
    resolve_exercise,
    selected_suite,
    suggestions,
)
from tests.fakes import sample


def names(selection: Selection) -> set[str]:
    return {i.split("::")[-1] for i in selection.ids}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("make_engine", {"test_make_engine_creates_both_tables", "test_make_engine_uses_the_given_url"}),
        ("make_engine and not url", {"test_make_engine_creates_both_tables"}),
        ("MAKE_ENGINE and TABLES", {"test_make_engine_creates_both_tables"}),
        ("rename or delete_author", None),
    ],
)
def test_keyword_selection_follows_pytest(sqlalchemy_exercise: Exercise, expression: str, expected: set[str] | None) -> None:
    chosen = names(keyword_selection(sqlalchemy_exercise, expression))
    if expected is None:
        assert chosen and all("rename" in n or "delete_author" in n for n in chosen)
    else:
        assert chosen == expected
    assert keyword_selection(sqlalchemy_exercise, "make_engine").how == "-k make_engine"


def test_keyword_selection_matches_the_file_and_the_points_marker(sqlalchemy_exercise: Exercise) -> None:
    every = {t.id for t in sqlalchemy_exercise.tests}
    assert keyword_selection(sqlalchemy_exercise, "test_bookshop").ids == every
    assert keyword_selection(sqlalchemy_exercise, "points").ids == every


@pytest.mark.parametrize(("expression", "problem"), [("make_engine and", "not a pytest keyword expression"),
                                                     ("no_such_test", "selects none")])  # fmt: skip
def test_keyword_selection_refuses_clearly(sqlalchemy_exercise: Exercise, expression: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        keyword_selection(sqlalchemy_exercise, expression)


def test_failed_selection_takes_what_did_not_pass(sqlalchemy_exercise: Exercise) -> None:
    last = sample(sqlalchemy_exercise, failing=3)
    chosen = failed_selection(sqlalchemy_exercise, last)
    assert chosen is not None and chosen.ids == {t.id for t in sqlalchemy_exercise.tests[:3]}
    assert failed_selection(sqlalchemy_exercise, sample(sqlalchemy_exercise, failing=0)) is None
    both = combined(chosen, keyword_selection(sqlalchemy_exercise, "make_engine"))
    assert both is not None and both.ids == chosen.ids & {t.id for t in sqlalchemy_exercise.tests if "make_engine" in t.id}
    assert combined(None, chosen) is chosen


def test_ids_and_paths_resolve_and_typos_get_suggestions(root: Path, tmp_path: Path) -> None:
    folder = root / "exercises" / "04_sqlalchemy"
    assert resolve_exercise("04", root) == folder
    assert resolve_exercise("04_sqlalchemy", root) == folder
    assert resolve_exercise(str(folder), None) == folder
    with pytest.raises(UsageError, match=r"Did you mean '04_sqlalchemy'\?"):
        resolve_exercise("04_sqlalchemi", root)
    with pytest.raises(UsageError, match=r"Did you mean 'verify'\?"):
        resolve_exercise("verfy", root, ("verify", "batch"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(UsageError, match="is not a folder"):
        resolve_exercise(str(tmp_path / "file.txt"), root)
    assert suggestions("zzzz", ["verify"]) == ""


@pytest.mark.harness
def test_the_hook_deselects_in_a_real_pytest_run(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    suite = {
        "conftest.py": b"import pytest\n",
        "test_x.py": b"def test_keep():\n    pass\n\ndef test_drop():\n    raise AssertionError('ran')\n\n"
        b"def test_sentinel():\n    pass\n",
    }
    every = frozenset({"test_x.py::test_keep", "test_x.py::test_drop"})
    files = selected_suite(suite, every, Selection("-k keep", frozenset({"test_x.py::test_keep"})))
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)]
    ran = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout
    assert "2 passed, 1 deselected" in ran.stdout
    with pytest.raises(UsageError, match="selects its own tests"):
        selected_suite({"conftest.py": b"def pytest_collection_modifyitems(items): pass\n"}, every, Selection("x", every))


def test_verify_and_batch_ids_get_suggestions_too(root: Path) -> None:
    from runner.errors import ExerciseError
    from runner.exercise import exercise_path

    assert exercise_path(root, "04") == root / "exercises" / "04_sqlalchemy"
    with pytest.raises(ExerciseError, match=r"no exercise '04_sqlalchemi'\. Did you mean '04_sqlalchemy'\?"):
        exercise_path(root, "04_sqlalchemi")
    with pytest.raises(ExerciseError, match=r"Known: 01_python_basics, 02_http_json"):
        exercise_path(root, "zzz")


def test_a_suite_of_mutants_cannot_be_narrowed(root: Path) -> None:
    from runner.exercise import load_exercise

    testing = load_exercise(root / "exercises" / "16_testing")
    with pytest.raises(UsageError, match="do not apply"):
        keyword_selection(testing, "reference")
    with pytest.raises(UsageError, match="do not apply"):
        failed_selection(testing, sample(load_exercise(root / "exercises" / "04_sqlalchemy")))
