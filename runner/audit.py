"""Mutation audit of a hidden suite: how many small, automatic changes of the reference it catches.

Contract: :func:`audit_exercise` mutates the reference solution (``graders/NN/solution``) with
the operators of :mod:`runner.mutation`, one change per mutant, grades each mutant through the
ordinary pipeline (:func:`runner.grading.grade_submission`, so in the same sandbox and with the
same scoring as a student) and returns an :class:`AuditResult`. A mutant is killed when it
scores below 100 % (a timeout or an error is a kill); a run the infrastructure failed is "not
graded", never killed. Mutants that do not compile are dropped and counted. Mutants recorded in
``graders/NN/equivalents.toml`` (each with a one-line reason) are not graded and not in the rate;
a recorded id that no longer names a generated mutant is stale. Trust: the reference must score
100 % first, or the audit refuses (every mutant would look killed). Kinds ``files`` and ``tests``
are not applicable (their reason says why). Nothing here prints.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import random
import tomllib
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .errors import ExerciseError, GraderError, InfraError
from .exercise import Exercise
from .grading import grade_submission
from .mutation import Mutation, Operator, mutations
from .sandbox import PerThread, Sandbox
from .submission import collect_submission, submission_from_files

MutantStatus = Literal["killed", "survived", "not_graded", "equivalent"]
EQUIVALENTS_FILE = "equivalents.toml"
DEFAULT_MIN_RATE = 95.0
DEFAULT_SEED = 0
NOT_APPLICABLE = {
    "files": "its submission is not Python (a Dockerfile judged statically): no Python operator applies",
    "tests": "its submission is a test suite, already scored by the hidden mutants it catches",
}


@dataclass(frozen=True)
class Mutant:
    """One change of the reference; ``files`` is the whole submission with the change made."""

    id: str
    operator: Operator
    unit: str
    line: int
    diff: str
    files: dict[str, bytes] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Equivalent:
    """A mutant recorded as behaving exactly like the reference (``equivalents.toml``)."""

    id: str
    diff: str
    reason: str


@dataclass(frozen=True)
class MutantOutcome:
    """What grading one mutant gave; ``failed_tests`` are the tests that caught it."""

    mutant: Mutant
    status: MutantStatus
    percent: float | None = None
    result_status: str = ""
    failed_tests: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class AuditResult:
    """One exercise's audit. ``kill_rate`` is over graded, non-equivalent mutants (``None``: none)."""

    exercise: str
    kind: str
    not_applicable: str | None = None
    generated: int = 0
    dropped: int = 0
    sampled: int | None = None
    outcomes: tuple[MutantOutcome, ...] = ()
    stale: tuple[Equivalent, ...] = ()

    def count(self, status: MutantStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def graded(self) -> int:
        return self.count("killed") + self.count("survived")

    @property
    def kill_rate(self) -> float | None:
        return 100.0 * self.count("killed") / self.graded if self.graded else None

    def survivors(self) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.status == "survived"]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``grade audit --json``: the counts, and each mutant with its diff."""
        counts = {status: self.count(status) for status in ("killed", "survived", "equivalent", "not_graded")}
        return {
            "exercise": self.exercise, "kind": self.kind, "not_applicable": self.not_applicable,
            "generated": self.generated, "dropped": self.dropped, "sampled": self.sampled,
            "graded": self.graded, **counts, "kill_rate": self.kill_rate,
            "stale_equivalents": [asdict(e) for e in self.stale],
            "mutants": [
                {"id": o.mutant.id, "operator": o.mutant.operator.value, "unit": o.mutant.unit, "line": o.mutant.line,
                 "status": o.status, "percent": o.percent, "result_status": o.result_status,
                 "failed_tests": list(o.failed_tests), "message": o.message, "diff": o.mutant.diff}
                for o in self.outcomes
            ],
        }  # fmt: skip

    def passes(self, min_rate: float) -> bool:
        """At or above ``min_rate`` and no stale equivalent (not applicable passes)."""
        if self.not_applicable is not None:
            return True
        rate = self.kill_rate
        return not self.stale and (rate is None or rate >= min_rate)


@dataclass(frozen=True)
class Unit:
    """A piece of Python the operators mutate: a module file, or one code cell of a notebook."""

    name: str
    text: str
    rebuild: Callable[[str], dict[str, bytes]]


def mutant_id(operator: Operator, unit: str, mutation: Mutation) -> str:
    key = f"{operator.value}|{unit}|{mutation.line}|{mutation.col}|{mutation.replacement}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def unit_diff(unit: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{unit}", f"b/{unit}", n=1)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def units(exercise: Exercise, files: dict[str, bytes]) -> Iterator[Unit]:
    """The module files, or each code cell of the notebook (cells Python cannot parse, e.g.
    IPython magics, are left alone)."""
    for name, data in files.items():
        if name.endswith(".py"):
            yield Unit(name, data.decode("utf-8"), functools.partial(replaced, files, name))
        elif name.endswith(".ipynb"):
            yield from notebook_units(name, files)


def replaced(files: dict[str, bytes], name: str, text: str) -> dict[str, bytes]:
    return {**files, name: text.encode()}


def notebook_units(name: str, files: dict[str, bytes]) -> Iterator[Unit]:
    import nbformat

    notebook = nbformat.reads(files[name].decode("utf-8"), as_version=4)

    def rebuild(index: int, text: str) -> dict[str, bytes]:
        changed = nbformat.reads(files[name].decode("utf-8"), as_version=4)
        changed.cells[index].source = text
        return {**files, name: nbformat.writes(changed).encode()}

    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.source.strip():
            yield Unit(f"{name}[cell {index}]", cell.source, functools.partial(rebuild, index))


def compiles(text: str, name: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def generate_mutants(exercise: Exercise, files: dict[str, bytes]) -> tuple[list[Mutant], int]:
    """Every compiling mutant of the reference's ``files`` (in source order), and how many were dropped."""
    made: dict[str, Mutant] = {}
    dropped = 0
    for unit in units(exercise, files):
        try:
            found = mutations(unit.text)
        except SyntaxError:
            continue
        for mutation in found:
            text = mutation.apply(unit.text)
            if not compiles(text, unit.name):
                dropped += 1
                continue
            ident = mutant_id(mutation.operator, unit.name, mutation)
            diff = unit_diff(unit.name, unit.text, text)
            made.setdefault(ident, Mutant(ident, mutation.operator, unit.name, mutation.line, diff, unit.rebuild(text)))
    return list(made.values()), dropped


def load_equivalents(exercise: Exercise) -> list[Equivalent]:
    """``graders/NN/equivalents.toml``: ``[[equivalent]]`` tables with ``id``, ``diff`` and ``reason``."""
    path = exercise.grader_path / EQUIVALENTS_FILE
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExerciseError(f"{path} is not valid TOML: {exc}") from exc
    found = []
    for index, entry in enumerate(data.get("equivalent", [])):
        values = {key: entry.get(key) if isinstance(entry, dict) else None for key in ("id", "diff", "reason")}
        if not all(isinstance(v, str) and v.strip() for v in values.values()):
            raise ExerciseError(f"{path}: equivalent #{index + 1} needs id, diff and reason, each a non-empty string")
        found.append(Equivalent(**{k: str(v) for k, v in values.items()}))
    return found


def grade_mutant(exercise: Exercise, mutant: Mutant, sandbox: Sandbox) -> MutantOutcome:
    submission = submission_from_files(mutant.files, exercise.reference_path(), f"mutant {mutant.id}")
    try:
        result = grade_submission(exercise, submission, sandbox)
    except GraderError as exc:
        return MutantOutcome(mutant, "not_graded", message=str(exc))
    if result.status == "infra_error":
        return MutantOutcome(mutant, "not_graded", result_status=result.status, message=result.message)
    failed = tuple(t.name for t in result.tests if t.status != "passed")
    status: MutantStatus = "killed" if result.percent < 100.0 else "survived"
    return MutantOutcome(mutant, status, result.percent, result.status, failed, result.message)


@dataclass(frozen=True)
class AuditOptions:
    """Which mutants to grade: ``operators`` (all by default), at most ``limit`` of them sampled
    with ``seed``, ``jobs`` at a time."""

    operators: frozenset[Operator] = frozenset(Operator)
    limit: int | None = None
    seed: int = DEFAULT_SEED
    jobs: int = 1


def audit_exercise(
    exercise: Exercise,
    sandbox_factory: Callable[[], Sandbox],
    options: AuditOptions = AuditOptions(),
    on_outcome: Callable[[MutantOutcome, int, int], None] = lambda outcome, done, total: None,
) -> AuditResult:
    """Generate, select and grade the mutants of ``exercise``'s reference (see the module's contract)."""
    if exercise.kind in NOT_APPLICABLE:
        return AuditResult(exercise.id, exercise.kind, not_applicable=NOT_APPLICABLE[exercise.kind])
    reference = collect_submission(exercise.reference_path(), exercise, "reference").files
    mutants, dropped = generate_mutants(exercise, reference)
    equivalents = load_equivalents(exercise)
    known = {m.id for m in mutants}
    stale = tuple(e for e in equivalents if e.id not in known)
    equivalent_ids = {e.id for e in equivalents}
    chosen = [m for m in mutants if m.operator in options.operators]
    sampled = None
    if options.limit is not None and len(chosen) > options.limit:
        keep = {m.id for m in random.Random(options.seed).sample(chosen, options.limit)}
        chosen, sampled = [m for m in chosen if m.id in keep], options.limit
    outcomes = [MutantOutcome(m, "equivalent") for m in chosen if m.id in equivalent_ids]
    to_grade = [m for m in chosen if m.id not in equivalent_ids]
    sandboxes = PerThread(sandbox_factory)
    pool = ThreadPoolExecutor(max_workers=max(1, options.jobs), thread_name_prefix="audit")
    try:
        check_reference(exercise, reference, sandboxes.get())
        graded = pool.map(lambda m: grade_mutant(exercise, m, sandboxes.get()), to_grade)
        for done, outcome in enumerate(graded, start=1):
            on_outcome(outcome, done, len(to_grade))
            outcomes.append(outcome)
    finally:
        # On Ctrl-C or a grader error: grade nothing more, and stop what runs now.
        pool.shutdown(wait=False, cancel_futures=True)
        sandboxes.close()
    order = {m.id: i for i, m in enumerate(mutants)}
    outcomes.sort(key=lambda o: order[o.mutant.id])
    return AuditResult(exercise.id, exercise.kind, None, len(mutants), dropped, sampled, tuple(outcomes), stale)


def check_reference(exercise: Exercise, files: dict[str, bytes], sandbox: Sandbox) -> None:
    """The reference must score 100 %, or every mutant would look killed."""
    result = grade_submission(exercise, submission_from_files(files, exercise.reference_path(), "reference"), sandbox)
    if result.status == "infra_error":
        raise InfraError(f"{exercise.id}: the reference could not be graded: {result.message}")
    if result.percent < 100.0:
        raise ExerciseError(
            f"{exercise.id}: the reference scores {result.percent:g} % ({result.status}); the audit needs it at 100 %"
        )
