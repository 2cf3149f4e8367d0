"""The pipeline: load, collect, run in a sandbox, score; and the curriculum self-check (verify)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from . import __version__
from .errors import ExerciseError, InfraError, MutantError
from .exercise import Exercise
from .focus import Selection, narrowed, selected_suite
from .mutants import Mutant
from .results import GraderIdentity, SandboxInfo, SubmissionResult, TestResult
from .rules import check_rules
from .sandbox import RunRequest, Sandbox, prepare_for
from .score import Verdict, score_outcome
from .submission import Submission, collect_submission, submission_from_files

#: Called with a short description of what the pipeline is doing now.
StageCallback = Callable[[str], None]


def _quiet(stage: str) -> None:
    return None


#: Bodies for the must-fail test: each fails on any honest run, none says so by its shape.
CANARY_BODIES = (
    "    assert sorted({a!r}) == {b!r}\n",  # sorted() gives a list
    "    assert len({a!r}) == {n}\n",
    "    assert {a!r}.count({c!r}) == {n}\n",
)


def sentinel_test(suite: dict[str, bytes] | None = None) -> tuple[str, bytes, str]:
    """A must-fail test shaped like the suite's own: appended to one of its test files, named with
    words from its test names, with an ordinary-looking assertion that can never hold. If it is
    reported as passed, results were forged. Returns the file's name, its new source and the id."""
    suite = suite or {}
    rng = secrets.SystemRandom()
    files = sorted(name for name in suite if name.rsplit("/", 1)[-1].startswith("test_") and name.endswith(".py"))
    sources = b"".join(suite[name] for name in files)
    names = re.findall(r"def test_(\w+)\(", sources.decode("utf-8", "replace"))
    words = sorted({word for name in names for word in name.split("_") if word.isalpha()})
    words = words if len(words) >= 6 else [*words, "result", "value", "input", "order", "empty", "check"]
    test = ""
    while not test or f"def {test}(".encode() in sources:
        test = "test_" + "_".join(rng.sample(words, rng.randint(3, 5)))
    letters = "".join(rng.sample("abcdefghijklmnop", 6))
    body = rng.choice(CANARY_BODIES).format(a=letters, b=letters[::-1], n=7, c=letters[0])  # a list is never a str
    name = rng.choice(files) if files else f"test_{secrets.token_hex(4)}.py"
    head = suite.get(name, b"").rstrip(b"\n")
    source = (head + b"\n\n\n" if head else b"") + f"def {test}():\n{body}".encode()
    return name, source, f"{name}::{test}"


def grade_submission(
    exercise: Exercise,
    submission: Submission,
    sandbox: Sandbox,
    on_stage: StageCallback = _quiet,
    selection: Selection | None = None,
) -> SubmissionResult:
    """Grade one collected submission. A grader failure raises :class:`~runner.errors.GraderError`.

    With a ``selection``, only the selected hidden tests run and count: the result is partial."""
    all_ids = frozenset(t.id for t in exercise.tests)
    if selection is not None:
        exercise = narrowed(exercise, selection)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    host: str | None = None
    if submission.syntax_problem is not None:
        problem = submission.syntax_problem
        reason = f"not run: {problem.message}"
        verdict = Verdict(
            status="error",
            score=0.0,
            max_score=float(exercise.max_score),
            message=problem.message,
            tests=tuple(
                TestResult(id=t.id, name=t.name, status="error", score=0.0, max_score=float(t.points),
                           message=reason, hint=t.hint)
                for t in exercise.tests
            ),
            cells=(),
            flags=(),
            output="",
        )  # fmt: skip
    else:
        suite = exercise.suite_files()
        if selection is not None:
            suite = selected_suite(suite, all_ids, selection)
        sentinel_id = None
        if exercise.kind != "tests":
            sentinel_name, sentinel_source, sentinel_id = sentinel_test(suite)
            suite[sentinel_name] = sentinel_source
        request = RunRequest(
            kind=exercise.kind,
            module=exercise.module,
            files=submission.files,
            suite=suite,
            limits=exercise.limits,
            sentinel=sentinel_id,
            boundary=exercise.boundary,
        )
        on_stage(f"running {submission.id} in the {sandbox.name} sandbox")
        outcome = sandbox.run(request)
        on_stage("scoring")
        verdict = score_outcome(exercise, outcome, sentinel_id, notebook_code_cells(exercise, submission))
        host = str(outcome.extra["host"]) if outcome.extra.get("host") else None
    return SubmissionResult(
        exercise=exercise.id,
        exercise_title=exercise.title,
        submission=submission.id,
        status=verdict.status,
        score=verdict.score,
        max_score=verdict.max_score,
        message=f"partial ({selection.how}): {verdict.message}" if selection else verdict.message,
        duration_s=round(time.monotonic() - started, 3),
        started_at=started_at,
        grader=GraderIdentity(
            version=__version__, suite_hash=exercise.suite_hash, image_id=sandbox.image_id(), python=sandbox.python_version()
        ),
        sandbox=SandboxInfo(backend=sandbox.name, isolated=sandbox.isolated, limits=exercise.limits.to_dict(), host=host),
        tests=verdict.tests,
        cells=verdict.cells,
        flags=verdict.flags,
        output=verdict.output,
        selected=selection.how if selection else None,
    )


def notebook_code_cells(exercise: Exercise, submission: Submission) -> frozenset[int] | None:
    """The indices of the submitted notebook's code cells (the only cells a run may report), or
    None when the exercise is not a notebook."""
    if exercise.kind != "notebook":
        return None
    import nbformat

    data = submission.files[exercise.files[0]]
    notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    return frozenset(index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code")


def grade_folder(
    exercise: Exercise,
    folder: Path,
    sandbox: Sandbox,
    on_stage: StageCallback = _quiet,
    student_id: str | None = None,
    selection: Selection | None = None,
) -> SubmissionResult:
    """Collect the declared files from ``folder`` and grade them (only ``selection``, if given).
    The sandbox may start the run's container while the files are collected and checked."""
    prepare_for(sandbox, exercise.kind, exercise.limits, exercise.boundary)
    on_stage(f"collecting {', '.join(exercise.files)}")
    return grade_submission(exercise, collect_submission(folder, exercise, student_id), sandbox, on_stage, selection)


@dataclass(frozen=True)
class VerifyRow:
    """One variant of an exercise in the self-check, and whether it scored as it must."""

    exercise: str
    variant: str
    expectation: str
    result: SubmissionResult | None
    ok: bool
    problem: str = ""


def scores_full(result: SubmissionResult) -> bool:
    return result.status == "passed" and result.percent == 100.0


def scores_zero(result: SubmissionResult) -> bool:
    return result.score == 0 and result.status not in ("tampered", "infra_error")


def scores_partly(result: SubmissionResult) -> bool:
    return result.percent < 100.0 and result.status not in ("tampered", "infra_error")


def verify_exercise(
    exercise: Exercise, sandbox: Sandbox, on_row: Callable[[VerifyRow], None] = lambda row: None
) -> list[VerifyRow]:
    """Check the rules map (every README rule has a test), then grade the reference (must be
    100 %), the starter (must be 0 %) and every mutant (below 100 %).

    Each mutant is graded as its diff applied to the reference; a diff that does not apply (or is
    empty, or changes nothing) fails its own row, naming the file and hunk, and verify goes on. For
    kind ``tests`` the mutants are the grading targets: each row checks that its diff applies."""
    rows = rules_rows(exercise)
    for rule_row in rows:
        on_row(rule_row)
    variants: list[tuple[str, str, Callable[[], Submission], Callable[[SubmissionResult], bool]]] = [
        ("reference", "100 %", partial(collect_submission, exercise.reference_path(), exercise, "reference"), scores_full),
        ("starter", "0 %", partial(collect_submission, exercise.path, exercise, "starter"), scores_zero),
    ]
    mutants = exercise.mutants()
    if not mutants:
        rows.append(VerifyRow(exercise.id, "mutants", "at least one", None, False, "no mutants/NAME.diff in the grader"))
        on_row(rows[-1])
    for mutant in mutants if exercise.kind != "tests" else []:
        variants.append((f"mutant {mutant.name}", "< 100 %", partial(mutant_submission, exercise, mutant), scores_partly))
    for variant, expectation, submission_of, check in variants:
        try:
            result = grade_submission(exercise, submission_of(), sandbox)
        except InfraError:
            raise
        except Exception as exc:
            row = VerifyRow(exercise.id, variant, expectation, None, False, str(exc))
        else:
            row = VerifyRow(exercise.id, variant, expectation, result, check(result))
        on_row(row)
        rows.append(row)
    for mutant in mutants if exercise.kind == "tests" else []:
        try:
            exercise.apply(mutant)
        except MutantError as exc:
            row = VerifyRow(exercise.id, f"mutant {mutant.name}", "diff applies", None, False, str(exc))
        else:
            row = VerifyRow(exercise.id, f"mutant {mutant.name}", "diff applies", None, True)
        on_row(row)
        rows.append(row)
    return rows


def mutant_submission(exercise: Exercise, mutant: Mutant) -> Submission:
    """The submitted files of ``mutant`` applied to the reference, as a submission made in memory."""
    files = exercise.apply(mutant)
    missing = [name for name in exercise.files if name not in files]
    if missing:
        raise ExerciseError(f"{exercise.reference_path()} has no {', '.join(missing)}: the mutant has nothing to patch")
    return submission_from_files({name: files[name] for name in exercise.files}, mutant.path, f"mutant {mutant.name}")


def rules_rows(exercise: Exercise) -> list[VerifyRow]:
    """One failing row per rules-map problem (see :mod:`runner.rules`), or one passing row."""
    expectation = "every rule tested"
    problems = check_rules(exercise)
    if not problems:
        return [VerifyRow(exercise.id, "rules", expectation, None, True)]
    return [VerifyRow(exercise.id, "rules", expectation, None, False, str(problem)) for problem in problems]
