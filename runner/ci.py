"""Grading in CI: which exercises a change touched, and what GitHub Actions reads back.

Everything written here for GitHub comes from results, never from running code: workflow
annotations (``::error file=...,line=...::``), the Markdown step summary, and the ``result``
step output that GitHub Classroom's grading reporter decodes (base64 JSON). Text that came from
student code is fenced so it cannot issue workflow commands.

:func:`grade_ci` is ``grade ci``'s flow: grade each chosen exercise's working copy in one sandbox,
write its reports, then ``reports/junit.xml`` and GitHub's outputs; it returns a :class:`CiRun`
and prints nothing (the CLI prints each result as ``on_result`` hands it over).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
import secrets
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .exercise import Exercise
from .feedback import feedback, first_line
from .grading import grade_folder
from .render import markdown_text, render_junit_suites, render_markdown, test_feedback, write_reports
from .results import Location, SubmissionResult, TestResult, write_atomic
from .sandbox import Sandbox


def git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    except FileNotFoundError as exc:
        raise UsageError("git is not installed: grade ci needs it to see what changed") from exc
    except subprocess.CalledProcessError as exc:
        raise UsageError(
            f"git {' '.join(args)} failed: {exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else exc}"
        ) from exc
    return done.stdout


def default_base(root: Path) -> str:
    """The merge base of HEAD with the default branch (origin's HEAD, else main or master)."""
    candidates = []
    with contextlib.suppress(UsageError):
        candidates.append(git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD").strip())
    candidates += ["origin/main", "origin/master", "main", "master"]
    for ref in candidates:
        try:
            return git(root, "merge-base", "HEAD", ref).strip()
        except UsageError:
            continue
    raise UsageError("cannot find the default branch to compare with: pass --base REF or --all")


def changed_exercises(root: Path, exercises: Iterable[Exercise], base: str) -> list[Exercise]:
    """The exercises whose submitted files differ between ``base`` and the working tree."""
    changed = set(git(root, "diff", "--name-only", base, "--").splitlines())
    changed |= set(git(root, "ls-files", "--others", "--exclude-standard").splitlines())
    chosen = []
    for exercise in exercises:
        folder = exercise.path.relative_to(root).as_posix()
        if any(f"{folder}/{name}" in changed for name in exercise.files):
            chosen.append(exercise)
    return chosen


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


MAX_ANNOTATIONS = 10
"""GitHub shows at most 10 ``::error`` annotations per step; more are dropped silently."""


def error_annotations(result: SubmissionResult, folder: str) -> list[str]:
    """In :mod:`runner.feedback`'s order, one ``::error`` per cause (at its student line, saying
    how many tests it stops) and one per other test that did not pass, at the student's file and
    line when known; at most :data:`MAX_ANNOTATIONS` of them, then one ``::notice`` that counts
    the tests left unsaid."""
    said = feedback(result)
    items: list[tuple[str, Location | None, str, int]] = [
        (f"{result.exercise}: {cause.headline.split(': ', 1)[0]}", cause.location, with_hint(cause.summary, cause.hint),
         len(cause.tests))
        for cause in said.causes
    ]  # fmt: skip
    items += [
        (f"{result.exercise}: {test.name} ({test.status})", test.location,
         with_hint(first_line(test.message) or test.status, test.hint), 1)
        for test in said.others
    ]  # fmt: skip
    lines = []
    for title, location, message, _ in items[:MAX_ANNOTATIONS]:
        props = [f"title={escape_property(title)}"]
        if location is not None:
            props.insert(0, f"file={escape_property(f'{folder}/{location.file}')},line={location.line}")
        lines.append(f"::error {','.join(props)}::{escape_data(message)}")
    rest = sum(count for *_, count in items[MAX_ANNOTATIONS:])
    if rest:
        title = escape_property(f"{result.exercise}: {rest} more tests did not pass")
        lines.append(f"::notice title={title}::{escape_data(f'{rest} more: see the job summary or reports/junit.xml')}")
    return lines


def with_hint(message: str, hint: str) -> str:
    return f"{message[:300]} Hint: {hint}" if hint else message[:300]


def fence_tokens() -> tuple[str, str]:
    """The lines that switch workflow commands off, then on again, around untrusted text."""
    token = secrets.token_hex(16)
    return f"::stop-commands::{token}", f"::{token}::"


def step_summary(results: list[SubmissionResult]) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: a score table, then each exercise's details."""
    lines = ["# Grades", "", "| Exercise | Score | Status |", "|---|---:|---|"]
    for result in results:
        lines.append(
            f"| {markdown_text(result.exercise_title)} | {result.score:g}/{result.max_score:g} ({result.percent:g} %) "
            f"| {result.status} |"
        )
    lines.append("")
    for result in results:
        lines.append(render_markdown(result))
        for test in result.tests:
            if test.output and test.status != "passed":
                fence = "`" * max(3, longest_backtick_run(test.output) + 1)
                lines += [
                    f"<details><summary>output of {html.escape(test.name)}</summary>",
                    "",
                    f"{fence}text",
                    test.output,
                    fence,
                    "",
                    "</details>",
                ]
    return "\n".join(lines) + "\n"


def longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


CLASSROOM_STATUS = {"passed": "pass", "failed": "fail", "timeout": "fail", "skipped": "fail"}
"""Our test statuses in the reporter's terms (anything else is ``error``)."""


def classroom_test(result: SubmissionResult, test: TestResult) -> dict[str, object]:
    """One test as the reporter reads it. Its console prints ``test_code`` under each test and the
    ``message`` only for errors, so a test that did not pass carries what to fix in both; a passed
    or hidden test carries none (hidden tests show their name and status only)."""
    feedback = "" if test.status == "passed" or test.hidden else test_feedback(test)[:1000]
    return {
        "name": f"{result.exercise}: {test.name}",
        "status": CLASSROOM_STATUS.get(test.status, "error"),
        "message": feedback,
        "test_code": feedback,
        "filename": test.location.file if test.location and not test.hidden else "",
        "line_no": test.location.line if test.location and not test.hidden else 0,
        "execution_time": f"{test.duration_s:.2f}s",
        "score": test.score,
    }


def classroom_result(results: list[SubmissionResult]) -> str:
    """The base64 JSON that GitHub Classroom's autograding reporter reads from the ``result`` output.

    Classroom records the sum of the tests' ``score`` over ``max_score``, which is our total.
    """
    data = {
        "version": 1,
        "status": "pass" if all(r.status == "passed" for r in results) else "fail",
        "max_score": sum(r.max_score for r in results),
        "tests": [classroom_test(result, test) for result in results for test in result.tests],
    }
    return base64.b64encode(json.dumps(data, allow_nan=False).encode()).decode()


def write_outputs(results: list[SubmissionResult], summary_path: str | None, output_path: str | None) -> None:
    """Append the step summary and the ``result`` output where GitHub asked for them."""
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(step_summary(results))
    if output_path:
        with open(output_path, "a", encoding="utf-8") as handle:
            handle.write(f"result={classroom_result(results)}\n")


@dataclass(frozen=True)
class CiRun:
    """What ``grade ci`` graded: the results in order and where the JUnit file is."""

    results: tuple[SubmissionResult, ...]
    junit: Path

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def exit_code(self, fail_under: float | None) -> int:
        """3 when a run failed on our side; else with ``fail_under``, 0 at that percent or more;
        else 0 only when every exercise passed."""
        if any(r.status == "infra_error" for r in self.results):
            return 3
        if fail_under is not None:
            return 0 if self.percent >= fail_under else 1
        return 0 if all(r.status == "passed" for r in self.results) else 1


def grade_ci(
    exercises: Iterable[Exercise],
    sandbox: Sandbox,
    reports_dir: Path,
    *,
    summary_path: str | None = None,
    output_path: str | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
    on_result: Callable[[Exercise, SubmissionResult], None] = lambda exercise, result: None,
) -> CiRun:
    """Grade each exercise's working copy in ``sandbox``; write its reports to
    ``reports_dir/NN_topic``, all of them to ``reports_dir/junit.xml``, and GitHub's step summary
    and ``result`` output where given (``$GITHUB_STEP_SUMMARY``, ``$GITHUB_OUTPUT``)."""
    results = []
    chosen = list(exercises)
    for number, exercise in enumerate(chosen, start=1):
        on_stage(f"grading {exercise.id} ({number}/{len(chosen)})")
        result = grade_folder(exercise, exercise.path, sandbox)
        write_reports(result, reports_dir / exercise.id)
        results.append(result)
        on_result(exercise, result)
    junit = reports_dir / "junit.xml"
    write_atomic(junit, render_junit_suites(results))
    write_outputs(results, summary_path, output_path)
    return CiRun(tuple(results), junit)
