"""Mutants as diffs: written, parsed and applied strictly in memory; verify grades each one and
fails, alone, the row of a diff that no longer applies. No sandbox runs here (a fake answers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import ExerciseError, MutantError
from runner.exercise import Exercise, load_exercise
from runner.grading import verify_exercise
from runner.mutants import Mutant, apply_mutant, make_diff, write_mutant
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome

CALC = "".join(f"line {n}\n" for n in range(1, 21))
TAIL = "first\nsecond\nlast without newline"


def mutant(text: str, name: str = "bug") -> Mutant:
    return Mutant(name, Path(f"graders/99_demo/mutants/{name}.diff"), text.encode())


def test_a_diff_is_written_as_diff_u_prints_it() -> None:
    reference = {"calc.py": CALC.encode()}
    edited = {"calc.py": CALC.replace("line 2\n", "line two\n").encode()}
    assert make_diff("renames line 2", reference, edited) == (
        "renames line 2\n--- a/calc.py\n+++ b/calc.py\n@@ -1,5 +1,5 @@\n line 1\n-line 2\n+line two\n line 3\n line 4\n line 5\n"
    )


def test_round_trip_over_several_files_hunks_and_a_missing_final_newline() -> None:
    reference = {"calc.py": CALC.encode(), "tail.txt": TAIL.encode(), "same.py": b"x = 1\n"}
    edited = {
        "calc.py": ("new first\n" + CALC.replace("line 10\n", "").replace("line 20\n", "line 20\nline 21\n")).encode(),
        "tail.txt": TAIL.replace("last without newline", "last changed, still without").encode(),
    }
    text = make_diff("three edits in two files", reference, edited)
    assert text.count("@@ -") == 4, "calc.py has three distant edits, tail.txt one"
    assert "\\ No newline at end of file" in text
    assert apply_mutant(mutant(text), reference) == {**reference, **edited}
    ends_with_newline = {"tail.txt": (TAIL + "\n").encode()}
    assert apply_mutant(mutant(make_diff("adds the newline", reference, ends_with_newline)), reference)["tail.txt"].endswith(
        b"newline\n"
    )


def test_a_diff_whose_context_drifted_names_the_file_the_hunk_and_the_line() -> None:
    reference = {"calc.py": CALC.encode()}
    edited = {"calc.py": CALC.replace("line 3\n", "line three\n").replace("line 17\n", "line seventeen\n").encode()}
    text = make_diff("two edits", reference, edited)
    drifted = {"calc.py": CALC.replace("line 15\n", "line fifteen\n").encode()}
    with pytest.raises(MutantError) as caught:
        apply_mutant(mutant(text), drifted)
    error = caught.value
    assert (error.file, error.hunk, error.line) == ("calc.py", 2, 15)
    assert str(error).startswith("graders/99_demo/mutants/bug.diff: calc.py, hunk 2, original line 15: @@ -14,7 +14,7 @@")
    assert "'line fifteen'" in str(error) and "'line 15'" in str(error) and "\n" not in str(error)
    shifted = {"calc.py": ("inserted\n" + CALC).encode()}
    with pytest.raises(MutantError, match=r"calc\.py, hunk 1, original line 1: "):
        apply_mutant(mutant(text), shifted)  # no offset search: the same lines one further down do not count


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("only a description\n", "the diff is empty"),
        ("only a description", "the diff is empty"),
        ("--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-line 1\n+one\n", "line 1 must be a one-line description"),
        ("nothing\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-line 1\n+line 1\n", "the diff changes nothing"),
        ("other file\n--- a/other.py\n+++ b/other.py\n@@ -1 +1 @@\n-line 1\n+one\n", "other.py: the original has no such file"),
        ("no labels\n--- calc.py\n+++ calc.py\n@@ -1 +1 @@\n-line 1\n+one\n", "must name a/FILE and b/FILE"),
        ("stray\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-line 1\n+one\n-line 2\n", "line 7 of the diff is not part of"),
        ("blank after\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-line 1\n+one\n\n", "line 7 of the diff is not part of"),
        ("short hunk\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n-line 1\n+one\n", "not a unified diff"),
        ("past the end\n--- a/calc.py\n+++ b/calc.py\n@@ -20,2 +20 @@\n line 20\n-line 21\n", "has only 20 lines"),
        ("bad target\n--- a/calc.py\n+++ b/calc.py\n@@ -3 +4 @@\n-line 3\n+three\n", "should start at line 3"),
    ],
)
def test_a_malformed_or_stale_diff_is_refused_in_one_line(text: str, problem: str) -> None:
    with pytest.raises(MutantError) as caught:
        apply_mutant(mutant(text), {"calc.py": CALC.encode()})
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_write_mutant_refuses_a_copy_with_no_change(tmp_path: Path) -> None:
    reference = {"calc.py": CALC.encode()}
    with pytest.raises(MutantError, match="no bug to record"):
        write_mutant(tmp_path, "same", "nothing", reference, dict(reference))
    with pytest.raises(MutantError, match="one line"):
        write_mutant(tmp_path, "two", "two\nlines", reference, {"calc.py": b"x\n"})
    assert not list(tmp_path.iterdir())


REFERENCE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
HIDDEN = """import pytest

@pytest.mark.points(1, hint="add")
def test_add(student):
    assert student.add(2, 3) == 5

@pytest.mark.points(1, hint="sub")
def test_sub(student):
    assert student.sub(5, 3) == 2
"""


def demo_course(tmp_path: Path, kind: str = "module") -> tuple[Path, Path]:
    exercise, grader = tmp_path / "exercises" / "99_demo", tmp_path / "graders" / "99_demo"
    exercise.mkdir(parents=True)
    if kind == "tests":
        (exercise / "exercise.toml").write_text('kind = "tests"\nfiles = ["test_calc.py"]\nmodule = "calc"\n')
        (exercise / "test_calc.py").write_text("def test_nothing():\n    pass\n")
        (grader / "target").mkdir(parents=True)
        (grader / "target" / "calc.py").write_text(REFERENCE)
        (grader / "solution").mkdir()
        (grader / "solution" / "test_calc.py").write_text("from calc import add\ndef test_add():\n    assert add(2, 3) == 5\n")
    else:
        (exercise / "exercise.toml").write_text('kind = "module"\nfiles = ["calc.py"]\n')
        (exercise / "calc.py").write_text(REFERENCE.replace("a + b", "0").replace("a - b", "0"))
        (grader / "tests").mkdir(parents=True)
        (grader / "tests" / "test_calc.py").write_text(HIDDEN)
        (grader / "solution").mkdir()
        (grader / "solution" / "calc.py").write_text(REFERENCE)
    reference = {"calc.py": REFERENCE.encode()}
    for name, before, after in [("adds_wrong", "a + b", "a - b"), ("subs_wrong", "return a - b", "return b - a")]:
        edited = {"calc.py": REFERENCE.replace(before, after).encode()}
        write_mutant(grader / "mutants", name, f"{name} on purpose", reference, edited)
    return exercise, grader


def fake_grader(exercise: Exercise) -> FakeSandbox:
    """Passes a test when the submission's function of that name is the reference's."""

    def respond(request: RunRequest) -> RunOutcome:
        source = request.files["calc.py"].decode()
        functions = dict(zip(("add", "sub"), REFERENCE.split("\n\n\n"), strict=True))
        statuses = {t.id: "passed" if functions[t.id[-3:]] in source else "failed" for t in exercise.tests}
        return outcome({**statuses, str(request.sentinel): "failed"})

    return FakeSandbox(respond)


def test_verify_grades_each_applied_mutant_and_fails_only_the_row_of_a_broken_diff(tmp_path: Path) -> None:
    folder, grader = demo_course(tmp_path)
    broken = grader / "mutants" / "adds_wrong.diff"
    broken.write_text(broken.read_text().replace(" def add(a, b):", " def plus(a, b):"))
    (grader / "mutants" / "empty.diff").write_text("an empty diff\n")
    exercise = load_exercise(folder)
    sandbox = fake_grader(exercise)
    rows = {row.variant: row for row in verify_exercise(exercise, sandbox) if row.variant != "rules"}
    assert list(rows) == ["reference", "starter", "mutant adds_wrong", "mutant empty", "mutant subs_wrong"]
    assert rows["reference"].ok and rows["starter"].ok
    assert rows["mutant subs_wrong"].ok and rows["mutant subs_wrong"].result is not None
    assert rows["mutant subs_wrong"].result.percent == 50.0
    assert not rows["mutant adds_wrong"].ok and rows["mutant adds_wrong"].result is None
    assert "adds_wrong.diff: calc.py, hunk 1, original line 1: " in rows["mutant adds_wrong"].problem
    assert not rows["mutant empty"].ok and "the diff is empty" in rows["mutant empty"].problem
    graded = [request.files["calc.py"].decode() for request in sandbox.requests]
    assert len(graded) == 3 and "return b - a" in graded[2], "the reference, the starter and the one mutant that applies"


def test_tests_kind_sends_applied_mutants_and_checks_each_diff_in_verify(tmp_path: Path) -> None:
    folder, grader = demo_course(tmp_path, kind="tests")
    exercise = load_exercise(folder)
    suite = exercise.suite_files()
    assert sorted(suite) == ["mutants/adds_wrong/calc.py", "mutants/subs_wrong/calc.py", "reference/calc.py"]
    assert b"return b - a" in suite["mutants/subs_wrong/calc.py"]
    names = [t.name for t in exercise.tests[1:]]
    assert names == ["catches the bug: adds_wrong on purpose", "catches the bug: subs_wrong on purpose"]
    stale = grader / "mutants" / "subs_wrong.diff"
    stale.write_text(stale.read_text().replace("-    return a - b", "-    return a * b"))
    rows = verify_exercise(load_exercise(folder), FakeSandbox.with_outcomes({}))
    by_variant = {row.variant: row for row in rows}
    assert by_variant["mutant adds_wrong"].ok
    stale_row = by_variant["mutant subs_wrong"]
    assert not stale_row.ok and "subs_wrong.diff: calc.py, hunk 1" in stale_row.problem
    assert not by_variant["reference"].ok and "subs_wrong.diff" in by_variant["reference"].problem


def test_a_tests_exercise_still_using_reference_is_told_the_folder_is_now_target(tmp_path: Path) -> None:
    """Kind ``tests``: the target module's folder is ``target/``; the old name ``reference/`` (easily
    mistaken for the reference solution) is named in the one-line error."""
    folder, grader = demo_course(tmp_path, kind="tests")
    (grader / "target").rename(grader / "reference")
    with pytest.raises(ExerciseError, match=r"needs target/ \(the correct module .*\(reference/ is now called target/\)$"):
        load_exercise(folder)


def test_tests_kind_suite_hash_follows_every_diff_and_the_reference(tmp_path: Path) -> None:
    folder, grader = demo_course(tmp_path, kind="tests")
    hashes = {load_exercise(folder).suite_hash}
    diff = grader / "mutants" / "adds_wrong.diff"
    diff.write_text(diff.read_text().replace("adds_wrong on purpose", "adds wrongly"))
    hashes.add(load_exercise(folder).suite_hash)
    (grader / "target" / "calc.py").write_text(REFERENCE + "\n# a comment\n")
    hashes.add(load_exercise(folder).suite_hash)
    assert len(hashes) == 3, "a new description (the test's name) or a new target module is a new suite"


def test_grade_mutant_records_an_edited_copy_as_a_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from runner import cli

    folder, grader = demo_course(tmp_path)
    edited = tmp_path / "calc.py"
    edited.write_text(REFERENCE.replace("return a + b", "return a + b + 1"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["mutant", "99", "off_by_one", str(edited), "add is one too many"])
    assert result.exit_code == 0, result.output
    written = grader / "mutants" / "off_by_one.diff"
    assert written.read_text().startswith("add is one too many\n--- a/calc.py\n+++ b/calc.py\n@@ -1,5 +1,5 @@\n")
    exercise = load_exercise(folder)
    assert exercise.apply(next(m for m in exercise.mutants() if m.name == "off_by_one"))["calc.py"] == edited.read_bytes()
    unchanged = CliRunner().invoke(cli.main, ["mutant", "99", "same", str(grader / "solution" / "calc.py"), "nothing"])
    assert unchanged.exit_code == 2 and "no bug to record" in unchanged.output
