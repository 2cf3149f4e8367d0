"""Stage 5: turn a sandbox's untrusted outcome into a checked, scored :class:`Verdict`.

Trust rule: nothing the sandbox reports is taken on trust. The outcome is decoded once
(:func:`runner.protocol.read_outcome`: typed, cleaned, bounded), then checked: a test that did
not report counts as failed, and anything the student's code could have forged (a result for a
test that does not exist, two results for one test, a must-fail sentinel that passed, a notebook
cell that does not exist, garbage on the result channel) marks the run ``tampered`` and scores
nothing. Only what the host itself saw (no answer from the container, the engine's out-of-memory
kill, the host's own timeout) can make a run an ``infra_error`` or a resource verdict; what the
sandbox says is the student's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from enum import Enum

from .exercise import GATE_TEST, Exercise, TestSpec
from .feedback import without_noise
from .protocol import CellEvent, CheckedRun, Collected, CollectError, Done, Malformed, TestEvent, read_outcome
from .results import CellResult, SubmissionStatus, TestResult, TestStatus
from .sandbox import RunOutcome
from .untrusted import NAME_CHARS, RESULT_CHARS, clip

#: At most this many notebook cells are kept in a result (failing ones first).
MAX_CELLS = 500
#: At most this many distinct reasons for ``tampered`` are kept.
MAX_FLAGS = 20


@dataclass(frozen=True)
class Verdict:
    """The scored parts of a result; the grading stage adds who, when and where."""

    status: SubmissionStatus
    score: float
    max_score: float
    message: str
    tests: tuple[TestResult, ...]
    cells: tuple[CellResult, ...]
    flags: tuple[str, ...]
    output: str


class StopReason(Enum):
    """Why a run ended before the harness said it was done."""

    OUT_OF_MEMORY = "the submission ran out of memory and was stopped"
    OUT_OF_TIME = "the submission ran out of time and was stopped"
    NO_ANSWER = "the sandbox stopped without an answer"
    KILLED = "the test process was killed"
    ENDED_EARLY = "the test process ended early"


@dataclass(frozen=True)
class Stop:
    reason: StopReason
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason.value} ({self.detail})" if self.detail else self.reason.value


@dataclass
class Reports:
    """What the events claim, sorted out; ``flags`` are the reasons not to believe them."""

    tests: dict[str, TestEvent] = field(default_factory=dict)
    cells: dict[int, CellEvent] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    collect_errors: list[str] = field(default_factory=list)
    collected: bool = False
    done: bool = False


def score_outcome(
    exercise: Exercise, outcome: RunOutcome, sentinel: str | None, notebook_cells: frozenset[int] | None = None
) -> Verdict:
    """Check and score ``outcome``. ``sentinel`` is the id of the injected must-fail test;
    ``notebook_cells`` the indices of the submitted notebook's code cells (None: not a notebook)."""
    run = read_outcome(outcome, exercise.limits.output_kb * 1024)
    reports = sort_events(run, {spec.id for spec in exercise.tests}, sentinel, notebook_cells)
    stopped = stop_reason(run, reports.done)
    check_run(run, reports, sentinel, stopped, must_report=exercise.boundary == "process")
    cells = cell_results(reports.cells)
    run_output = without_noise(run.exit.output) if run.exit else ""
    max_score = float(exercise.max_score)
    # A suite that did not load is never an infrastructure error: once student code could run,
    # the sandbox's word is the student's (``grade verify`` proves the suite loads on the reference).
    if reports.collect_errors or (reports.done and not reports.collected):
        first = (reports.collect_errors or [f"pytest collected nothing: {run_output.strip()[-500:]}"])[0]
        message = f"the hidden tests could not be loaded in this run, so nothing was graded: {first[:500]}"
        tests = tuple(missing(spec, "not run: the hidden tests could not be loaded", "error") for spec in exercise.tests)
        return bounded(Verdict("error", 0.0, max_score, message, tests, cells, (), run_output))
    if reports.flags:
        flags = tuple(dict.fromkeys(reports.flags))[:MAX_FLAGS]
        tests = tuple(missing(spec, "not counted: the results of this run could not be trusted") for spec in exercise.tests)
        message = "results could not be trusted: " + "; ".join(flags)
        return bounded(Verdict("tampered", 0.0, max_score, message, tests, cells, flags, run_output))
    tests = tuple(
        test_result(spec, reports.tests[spec.id]) if spec.id in reports.tests else unreported(spec, stopped)
        for spec in exercise.tests
    )
    if exercise.kind == "tests":
        return bounded(score_mutation(tests, cells, stopped, run, max_score))
    status, message = summarise(tests, stopped, run)
    return bounded(Verdict(status, sum(t.score for t in tests), max_score, message, tests, cells, (), run_output))


def sort_events(run: CheckedRun, known: set[str], sentinel: str | None, notebook_cells: frozenset[int] | None) -> Reports:
    """File each event; a forged-looking one adds a flag instead."""
    reports = Reports()
    for event in run.events:
        if isinstance(event, Malformed):
            reports.flags.append(event.reason)
        elif isinstance(event, TestEvent):
            name = clip(event.nodeid, NAME_CHARS // 2)
            if event.nodeid in reports.tests:
                reports.flags.append(f"two results were reported for {name!r}")
            elif event.nodeid != sentinel and event.nodeid not in known:
                reports.flags.append(f"a result was reported for {name!r}, which is not a hidden test")
            else:
                reports.tests[event.nodeid] = event
        elif isinstance(event, CellEvent):
            if notebook_cells is None:
                reports.flags.append("a notebook cell result was reported, but this exercise has no notebook")
            elif event.index not in notebook_cells:
                reports.flags.append(f"a result was reported for notebook cell {event.index}, which is not a code cell")
            elif event.index in reports.cells:
                reports.flags.append(f"two results were reported for notebook cell {event.index}")
            else:
                reports.cells[event.index] = event
        elif isinstance(event, Collected):
            reports.collected = True
        elif isinstance(event, CollectError):
            reports.collect_errors.append(event.message)
        elif isinstance(event, Done):
            reports.done = True
    return reports


def check_run(run: CheckedRun, reports: Reports, sentinel: str | None, stopped: Stop | None, must_report: bool = False) -> None:
    """The checks that span events: unreadable channel lines, and the must-fail sentinel.

    On the shared path a run that ended early may honestly lose the sentinel (it runs last, in the
    process the student's code can end). Across the process boundary (``must_report``) the grader
    process is out of the student's reach, so a missing sentinel is forged unless the run was
    stopped for time or memory or never answered at all, which the supervisor or the host saw for
    themselves.
    """
    if run.exit is not None and run.exit.rejected_events:
        reports.flags.append(f"{run.exit.rejected_events} unreadable lines were written to the result channel")
    if sentinel is None:
        return
    found = reports.tests.pop(sentinel, None)
    excused = stopped is not None and stopped.reason in (StopReason.OUT_OF_TIME, StopReason.OUT_OF_MEMORY, StopReason.NO_ANSWER)
    if found is not None and found.status == "passed":
        reports.flags.append("a test that always fails was reported as passed: results were forged")
    elif found is None and (reports.done or (must_report and not excused)):
        reports.flags.append("the run finished without reporting every test it collected")


def stop_reason(run: CheckedRun, done: bool) -> Stop | None:
    """Why the run stopped early, or None when it ran to the end."""
    if run.oom_killed:
        return Stop(StopReason.OUT_OF_MEMORY)
    if run.host_timed_out or (run.exit is not None and run.exit.timed_out):
        return Stop(StopReason.OUT_OF_TIME)
    if run.exit is None:
        return Stop(StopReason.NO_ANSWER)
    if not done:
        code = run.exit.returncode
        if code is not None and code < 0:
            return Stop(StopReason.KILLED, f"signal {-code}")
        return Stop(StopReason.ENDED_EARLY, f"exit code {code}")
    return None


def test_result(spec: TestSpec, event: TestEvent) -> TestResult:
    return TestResult(
        id=spec.id,
        name=spec.name,
        status=event.status,
        score=float(spec.points) if event.status == "passed" else 0.0,
        max_score=float(spec.points),
        message=event.message,
        hint=spec.hint,
        output=event.output,
        duration_s=event.duration_s,
        location=event.location,
        hidden=spec.hidden,
    )


def unreported(spec: TestSpec, stopped: Stop | None) -> TestResult:
    timed_out = stopped is not None and stopped.reason is StopReason.OUT_OF_TIME
    why = str(stopped) if stopped else "the run ended before this test"
    return missing(spec, f"did not report a result: {why}", "timeout" if timed_out else "failed")


def missing(spec: TestSpec, message: str, status: TestStatus = "failed") -> TestResult:
    return TestResult(
        id=spec.id, name=spec.name, status=status, score=0.0, max_score=float(spec.points),
        message=message, hint=spec.hint, hidden=spec.hidden,
    )  # fmt: skip


def cell_results(cells: dict[int, CellEvent]) -> tuple[CellResult, ...]:
    """The cells in notebook order; past :data:`MAX_CELLS`, failing cells are the ones kept."""
    chosen = sorted(cells.values(), key=lambda c: c.index)
    if len(chosen) > MAX_CELLS:
        failing = [c for c in chosen if c.status != "ok"][:MAX_CELLS]
        chosen = sorted(failing + [c for c in chosen if c.status == "ok"][: MAX_CELLS - len(failing)], key=lambda c: c.index)
    return tuple(CellResult(c.index, c.status, c.error, c.line, c.duration_s) for c in chosen)


def score_mutation(
    tests: tuple[TestResult, ...], cells: tuple[CellResult, ...], stopped: Stop | None, run: CheckedRun, max_score: float
) -> Verdict:
    """Kind ``tests``: mutants count only when the student's tests pass against the target module."""
    output = run.exit.output if run.exit else ""
    gate = next((t for t in tests if t.id == GATE_TEST), None)
    if gate is not None and gate.status != "passed":
        # Tests that fail on correct code prove nothing about the mutants they "kill".
        not_counted = "not counted: your tests must first pass against the correct implementation"
        tests = tuple(t if t.id == GATE_TEST else replace(t, status="skipped", score=0.0, message=not_counted) for t in tests)
        return Verdict("failed", 0.0, max_score, gate.message.splitlines()[0], tests, cells, (), output)
    status, message = summarise(tests, stopped, run)
    if status in ("passed", "failed"):
        killed = sum(t.status == "passed" for t in tests if t.id != GATE_TEST)
        message = f"your tests caught {killed} of {len(tests) - 1} bugs" + (f"; {stopped}" if stopped else "")
    return Verdict(status, sum(t.score for t in tests), max_score, message, tests, cells, (), output)


def summarise(tests: tuple[TestResult, ...], stopped: Stop | None, run: CheckedRun) -> tuple[SubmissionStatus, str]:
    passed = sum(t.status == "passed" for t in tests)
    counts = f"{passed} of {len(tests)} tests passed"
    if stopped is not None and stopped.reason is StopReason.OUT_OF_MEMORY:
        return "resource_limit", f"{counts}; {stopped}"
    if stopped is not None and stopped.reason is StopReason.OUT_OF_TIME:
        return "timeout", f"{counts}; {stopped}"
    if stopped is not None and stopped.reason is StopReason.NO_ANSWER:
        return "infra_error", f"{counts}; {stopped} ({run.diagnostics.strip()[-300:]})"
    if tests and all(t.status == "timeout" for t in tests):
        return "timeout", f"every test ran out of time: {tests[0].message.splitlines()[0][:300]}"
    errors = Counter(t.message for t in tests if t.status == "error")
    if tests and errors and sum(errors.values()) == len(tests):
        message, _ = errors.most_common(1)[0]
        return "error", f"your code could not be loaded: {message.splitlines()[0][:500]}"
    if stopped:
        return "failed", f"{counts}; {stopped}"
    return ("passed" if passed == len(tests) else "failed"), counts


def bounded(verdict: Verdict, budget: int = RESULT_CHARS) -> Verdict:
    """``verdict`` with its outputs and cell errors cut so that all its text fits ``budget``.

    Each field is already bounded; this bounds their sum. Every field is cut at the same length
    (the largest that fits), with the usual truncation mark.
    """
    texts = [t.output for t in verdict.tests] + [c.error or "" for c in verdict.cells] + [verdict.output]
    fixed = sum(len(t.message) + len(t.name) + len(t.hint) for t in verdict.tests) + len(verdict.message)
    room = max(budget - fixed, 0)
    if sum(map(len, texts)) <= room:
        return verdict
    cap = fair_share(sorted(map(len, texts)), room)
    return replace(
        verdict,
        tests=tuple(replace(t, output=clip(t.output, cap)) for t in verdict.tests),
        cells=tuple(replace(c, error=clip(c.error, cap) if c.error else c.error) for c in verdict.cells),
        output=clip(verdict.output, cap),
    )


def fair_share(lengths: list[int], room: int) -> int:
    """The largest cap with ``sum(min(n, cap) for n in lengths) <= room`` (``lengths`` sorted)."""
    remaining = room
    for position, length in enumerate(lengths):
        share = remaining // (len(lengths) - position)
        if length > share:
            return max(share - 100, 0)  # room for the truncation mark
        remaining -= length
    return room
