from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import ExerciseError
from runner.exercise import Exercise, all_exercises, exercise_path, load_exercise

from .fakes import write_exercise


def test_sqlalchemy_manifest_reads_points_and_hints(sqlalchemy_exercise: Exercise) -> None:
    assert sqlalchemy_exercise.kind == "module"
    assert sqlalchemy_exercise.files == ("bookshop.py",)
    assert sqlalchemy_exercise.module == "bookshop"
    assert len(sqlalchemy_exercise.tests) >= 12
    assert all(t.points > 0 and t.hint for t in sqlalchemy_exercise.tests)
    assert sqlalchemy_exercise.max_score == sum(t.points for t in sqlalchemy_exercise.tests)
    assert all(t.id.startswith("test_") and "::" in t.id for t in sqlalchemy_exercise.tests)


def test_notebook_exercise(basics_exercise: Exercise) -> None:
    assert basics_exercise.kind == "notebook"
    assert basics_exercise.files == ("exercise.ipynb",)
    assert len(basics_exercise.tests) >= 12
    assert len(basics_exercise.mutants()) >= 5


def test_every_exercise_has_a_reference_and_mutants_that_apply(root: Path) -> None:
    exercises = all_exercises(root)
    assert {"01_python_basics", "04_sqlalchemy"} <= {e.id for e in exercises}
    for exercise in exercises:
        for name in exercise.files:
            assert (exercise.reference_path() / name).is_file(), f"{exercise.id} has no reference {name}"
        mutants = exercise.mutants()
        assert mutants, f"{exercise.id} has no mutants/NAME.diff"
        assert not [p for p in (exercise.grader_path / "mutants").iterdir() if p.suffix != ".diff"], "mutants are diffs only"
        for mutant in mutants:
            assert mutant.description, f"{mutant.path} has no description on line 1"
            exercise.apply(mutant)  # raises MutantError, naming the file and hunk, if it no longer applies
        if exercise.kind == "tests":
            assert [t.id for t in exercise.tests[1:]] == [f"mutants/{m.name}" for m in mutants]


def test_suite_hash_changes_with_the_suite(tmp_path: Path) -> None:
    exercise, grader = make_exercise(tmp_path, "@pytest.mark.points(1, hint='h')\ndef test_a(student):\n    pass\n")
    before = load_exercise(exercise).suite_hash
    (grader / "tests" / "test_x.py").write_text(
        "import pytest\n@pytest.mark.points(2, hint='h')\ndef test_a(student):\n    pass\n"
    )
    assert load_exercise(exercise).suite_hash != before


def make_exercise(tmp_path: Path, body: str, toml: str = 'kind = "module"\nfiles = ["m.py"]\n') -> tuple[Path, Path]:
    exercise = write_exercise(tmp_path, "99_demo", toml, {"grader/tests/test_x.py": "import pytest\n" + body})
    return exercise, tmp_path / "graders" / "99_demo"


def test_not_an_exercise(tmp_path: Path) -> None:
    with pytest.raises(ExerciseError, match="not an exercise"):
        load_exercise(tmp_path)


def test_test_without_points_is_refused(tmp_path: Path) -> None:
    exercise, _ = make_exercise(tmp_path, "def test_a(student):\n    pass\n")
    with pytest.raises(ExerciseError, match=r"needs @pytest\.mark\.points"):
        load_exercise(exercise)


def test_parametrized_hidden_test_is_refused(tmp_path: Path) -> None:
    body = "@pytest.mark.parametrize('x', [1, 2])\n@pytest.mark.points(1)\ndef test_a(student, x):\n    pass\n"
    exercise, _ = make_exercise(tmp_path, body)
    with pytest.raises(ExerciseError, match="parametrized"):
        load_exercise(exercise)


def test_unknown_kind_and_limit_are_refused(tmp_path: Path) -> None:
    body = "@pytest.mark.points(1)\ndef test_a(student):\n    pass\n"
    exercise, _ = make_exercise(tmp_path, body, 'kind = "video"\nfiles = ["m.py"]\n')
    with pytest.raises(ExerciseError, match="kind must be one of"):
        load_exercise(exercise)
    (exercise / "exercise.toml").write_text('files = ["m.py"]\n[limits]\nbananas = 3\n')
    with pytest.raises(ExerciseError, match=r"\[limits\] bananas is not a limit"):
        load_exercise(exercise)


def test_limits_override_defaults(tmp_path: Path) -> None:
    body = "class TestGroup:\n    @pytest.mark.points(3, hint='x')\n    def test_a(self, student):\n        '''Adds up.'''\n"
    exercise, _ = make_exercise(tmp_path, body, 'files = ["m.py"]\n[limits]\nmemory_mb = 256\n')
    loaded = load_exercise(exercise)
    assert loaded.limits.memory_mb == 256 and loaded.limits.test_timeout_s == 10
    assert [(t.id, t.name, t.points) for t in loaded.tests] == [("test_x.py::TestGroup::test_a", "Adds up.", 3)]


def test_exercise_path_by_number_or_name(root: Path) -> None:
    assert exercise_path(root, "04").name == "04_sqlalchemy"
    assert exercise_path(root, "01_python_basics").name == "01_python_basics"
    with pytest.raises(ExerciseError, match="no exercise"):
        exercise_path(root, "77_nothing")


def test_readmes_name_the_python_that_grades(root: Path) -> None:
    """A README that names a Python version names the one the sandbox pins."""
    import re

    from runner.sandbox.image import SANDBOX_PYTHON_VERSION

    for readme in sorted((root / "exercises").glob("*/README.md")):
        text = readme.read_text(encoding="utf-8")
        if re.search(r"Python 3\.\d+", text):
            assert f"Python {SANDBOX_PYTHON_VERSION}" in text, f"{readme} names a Python version, not {SANDBOX_PYTHON_VERSION}"
