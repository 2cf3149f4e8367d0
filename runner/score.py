"""Stage 5: turn a sandbox's untrusted outcome into a checked, scored :class:`SubmissionResult`.

Nothing the sandbox reports is taken on trust: every event is type-checked and clipped, a test
that did not report counts as failed, and anything the student's code could have forged (a result
for a test that does not exist, two results for one test, a must-fail sentinel that passed,
garbage on the result channel) marks the run ``tampered`` and scores nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from .exercise import Exercise
from .results import CELL_STATUSES, TEST_STATUSES, CellResult, Location, TestResult
from .sandbox import RunOutcome


@dataclass(frozen=True)
class Verdict:
    """The scored parts of a result; the grading stage adds who, when and where."""

    status: str
    score: float
    max_score: float
    message: str
    tests: tuple[TestResult, ...]
    cells: tuple[CellResult, ...]
    flags: tuple[str, ...]
    output: str


def text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return value if len(value) <= limit else value[:limit] + f"\n... [{len(value) - limit} more characters cut]"


def number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else 0.0


def location(value: Any) -> Location | None:
    if isinstance(value, dict) and isinstance(value.get("file"), str) and isinstance(value.get("line"), int):
        return Location(file=value["file"][:200], line=value["line"])
    return None


def score_outcome(exercise: Exercise, outcome: RunOutcome, sentinel: str | None) -> Verdict:
    """Check and score ``outcome``; ``sentinel`` is the id of the injected must-fail test."""
    output_limit = exercise.limits.output_kb * 1024
    manifest = {spec.id: spec for spec in exercise.tests}
    flags: list[str] = []
    reports: dict[str, dict[str, Any]] = {}
    cells: list[CellResult] = []
    done = False
    collected = False
    collect_errors: list[str] = []
    for event in outcome.events:
        kind = event.get("type")
        if kind == "test":
            nodeid = event.get("nodeid")
            if not isinstance(nodeid, str) or event.get("status") not in TEST_STATUSES:
                flags.append("a malformed test result was reported")
            elif nodeid in reports:
                flags.append(f"two results were reported for {nodeid}")
            elif nodeid != sentinel and nodeid not in manifest:
                flags.append(f"a result was reported for {nodeid!r}, which is not a hidden test")
            else:
                reports[nodeid] = event
        elif kind == "cell":
            if isinstance(event.get("index"), int) and event.get("status") in CELL_STATUSES:
                cells.append(
                    CellResult(
                        index=event["index"],
                        status=event["status"],
                        error=text(event.get("error"), 2000) or None,
                        line=event.get("line") if isinstance(event.get("line"), int) else None,
                        duration_s=number(event.get("duration_s")),
                    )
                )
        elif kind == "collected":
            collected = True
        elif kind == "collect_error":
            collect_errors.append(text(event.get("message"), 2000))
        elif kind == "done":
            done = True
    exit_record = outcome.exit or {}
    if number(exit_record.get("rejected_events")):
        flags.append(f"{int(exit_record['rejected_events'])} unreadable lines were written to the result channel")
    if sentinel is not None:
        sentinel_report = reports.pop(sentinel, None)
        if sentinel_report is not None and sentinel_report.get("status") == "passed":
            flags.append("a test that always fails was reported as passed: results were forged")
        elif sentinel_report is None and done:
            flags.append("the run finished without reporting every test it collected")
    run_output = text(exit_record.get("output"), output_limit)

    if done and not collected and not collect_errors:
        collect_errors.append(f"pytest did not collect the hidden suite: {run_output.strip()[-500:]}")
    if collect_errors:
        return Verdict(
            status="infra_error",
            score=0.0,
            max_score=exercise.max_score,
            message=f"the hidden suite of {exercise.id} failed to load (a grader bug, not yours): {collect_errors[0][:500]}",
            tests=tuple(missing(spec, "not run: the hidden suite failed to load") for spec in exercise.tests),
            cells=tuple(cells),
            flags=(),
            output=run_output,
        )

    stopped = stop_reason(outcome, exit_record, done)
    tests = tuple(
        test_result(spec, reports[spec.id], output_limit)
        if spec.id in reports
        else missing(spec, f"did not report a result: {stopped or 'the run ended before this test'}",
                     "timeout" if stopped and "time" in stopped else "failed")
        for spec in exercise.tests
    )  # fmt: skip
    max_score = float(exercise.max_score)
    if flags:
        return Verdict(
            status="tampered",
            score=0.0,
            max_score=max_score,
            message="results could not be trusted: " + "; ".join(dict.fromkeys(flags)),
            tests=tuple(t if t.status != "passed" else replace(t, score=0.0) for t in tests),
            cells=tuple(cells),
            flags=tuple(dict.fromkeys(flags)),
            output=run_output,
        )
    gate = next((t for t in tests if t.id == "reference"), None) if exercise.kind == "tests" else None
    if gate is not None and gate.status != "passed":
        # Tests that fail on correct code prove nothing about the mutants they "kill".
        not_counted = "not counted: your tests must first pass against the correct implementation"
        tests = tuple(t if t.id == "reference" else replace(t, status="skipped", score=0.0, message=not_counted) for t in tests)
        return Verdict("failed", 0.0, max_score, gate.message.splitlines()[0], tests, tuple(cells), (), run_output)
    score = sum(t.score for t in tests)
    status, message = summarise(tests, stopped, exit_record, outcome)
    if exercise.kind == "tests" and status in ("passed", "failed"):
        killed = sum(t.status == "passed" for t in tests if t.id != "reference")
        message = f"your tests caught {killed} of {len(tests) - 1} bugs" + (f"; {stopped}" if stopped else "")
    return Verdict(status, score, max_score, message, tests, tuple(cells), (), run_output)


def stop_reason(outcome: RunOutcome, exit_record: dict[str, Any], done: bool) -> str | None:
    """Why the run stopped early, in words, or None when it ran to the end."""
    if outcome.oom_killed:
        return "the submission ran out of memory and was stopped"
    if exit_record.get("timed_out") or outcome.host_timed_out:
        return "the submission ran out of time and was stopped"
    if not outcome.exit:
        return "the sandbox stopped without an answer"
    if not done:
        code = exit_record.get("returncode")
        if isinstance(code, int) and code < 0:
            return f"the test process was killed (signal {-code})"
        return f"the test process ended early (exit code {code})"
    return None


def test_result(spec: Any, event: dict[str, Any], output_limit: int) -> TestResult:
    status = event["status"]
    return TestResult(
        id=spec.id,
        name=spec.name,
        status=status,
        score=float(spec.points) if status == "passed" else 0.0,
        max_score=float(spec.points),
        message=text(event.get("message"), 4000),
        hint=spec.hint,
        output=text(event.get("output"), output_limit),
        duration_s=round(number(event.get("duration_s")), 4),
        location=location(event.get("location")),
        hidden=spec.hidden,
    )


def missing(spec: Any, message: str, status: str = "failed") -> TestResult:
    return TestResult(
        id=spec.id,
        name=spec.name,
        status=status,
        score=0.0,
        max_score=float(spec.points),
        message=message,
        hint=spec.hint,
        hidden=spec.hidden,
    )


def summarise(
    tests: tuple[TestResult, ...], stopped: str | None, exit_record: dict[str, Any], outcome: RunOutcome
) -> tuple[str, str]:
    passed = sum(t.status == "passed" for t in tests)
    counts = f"{passed} of {len(tests)} tests passed"
    if outcome.oom_killed:
        return "resource_limit", f"{counts}; {stopped}"
    if stopped and "time" in stopped:
        return "timeout", f"{counts}; {stopped}"
    if not outcome.exit:
        return "infra_error", f"{counts}; {stopped} ({outcome.diagnostics.strip()[-300:]})"
    if tests and all(t.status == "timeout" for t in tests):
        return "timeout", f"every test ran out of time: {tests[0].message.splitlines()[0][:300]}"
    errors = Counter(t.message for t in tests if t.status == "error")
    if tests and errors and sum(errors.values()) == len(tests):
        message, _ = errors.most_common(1)[0]
        return "error", f"your code could not be loaded: {message.splitlines()[0][:500]}"
    if stopped:
        return "failed", f"{counts}; {stopped}"
    return ("passed" if passed == len(tests) else "failed"), counts
