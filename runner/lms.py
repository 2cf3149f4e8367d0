"""Class-level outputs from saved results: the gradebook, Canvas and Moodle imports, the summary.

Everything here is rendered from :class:`SubmissionResult` objects (a batch's ``results.jsonl``), so
``grade report results.jsonl --format ...`` re-makes any of them without Docker and without running
code. Student-chosen ids reach spreadsheets only through :func:`spreadsheet_safe`.

Layouts:

- ``gradebook``: ours. One row per submission: ``student`` (the submission's id), ``lms_user_id``
  (the Canvas user id from Canvas download names, else empty), score, max, percent, status, then one
  column per test headed ``<test id> (max N)``.
- ``canvas``: Canvas's gradebook import (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID,
  Section`` then one assignment column, and Canvas's ``Points Possible`` row. Canvas matches
  students on ``ID`` (its user id); a column named ``Title (assignment id)`` updates that
  assignment, any other name creates a new one.
- ``moodle``: Moodle's CSV grade import (Grades > Import > CSV file): an identifier column the
  instructor maps to a Moodle user field (username, ID number or email), one grade column and one
  feedback column, each mapped to the grade item in the import form.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .render import render_html, render_summary, safe_name, spreadsheet_safe
from .results import SubmissionResult, write_atomic

BatchFormat = Literal["gradebook", "canvas", "moodle", "summary"]
BATCH_FORMATS: dict[BatchFormat, str] = {
    "gradebook": "gradebook.csv",
    "canvas": "canvas.csv",
    "moodle": "moodle.csv",
    "summary": "summary.html",
}
CANVAS_KEY = re.compile(r"^(?P<name>[a-z0-9]+)_(?P<user>\d+)$")
"""How ``grade batch`` names a student found by Canvas download names (``name_userid``)."""
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


@dataclass(frozen=True)
class Identity:
    """Who a submission is in the LMS: a display name and, from Canvas names, the Canvas user id."""

    name: str
    lms_user_id: str


def identity(submission: str) -> Identity:
    """``doe_123`` (a Canvas download name) -> name ``doe``, user id ``123``; anything else is a name.

    A folder a course named ``name_digits`` reads as a Canvas name too: name folders otherwise."""
    match = CANVAS_KEY.match(submission)
    return Identity(match["name"], match["user"]) if match else Identity(submission, "")


def points(value: float) -> str:
    return f"{value:g}"


def gradebook_table(results: list[SubmissionResult]) -> list[list[str]]:
    """Our gradebook: header, then one row per submission with each test's points."""
    specs = {t.id: t.max_score for r in results for t in r.tests}
    header = ["student", "lms_user_id", "score", "max_score", "percent", "status"]
    header += [f"{test_id} (max {points(maximum)})" for test_id, maximum in specs.items()]
    rows = [header]
    for result in results:
        by_id = {t.id: t for t in result.tests}
        who = identity(result.submission)
        row = [spreadsheet_safe(result.submission), who.lms_user_id, points(result.score), points(result.max_score)]
        row += [points(result.percent), result.status]
        row += [points(by_id[i].score) if i in by_id else "" for i in specs]
        rows.append(row)
    return rows


def assignment_title(results: list[SubmissionResult], assignment: str | None) -> str:
    return assignment or (results[0].exercise_title if results else "grade")


def canvas_table(results: list[SubmissionResult], assignment: str | None = None) -> list[list[str]]:
    """Canvas's gradebook import: the student columns, one assignment column, ``Points Possible``."""
    maximum = max((r.max_score for r in results), default=0.0)
    rows = [[*CANVAS_HEADER, spreadsheet_safe(assignment_title(results, assignment))]]
    rows.append([POINTS_POSSIBLE, "", "", "", "", points(maximum)])
    for result in results:
        who = identity(result.submission)
        rows.append([spreadsheet_safe(who.name), who.lms_user_id, "", "", "", points(result.score)])
    return rows


def moodle_feedback(result: SubmissionResult) -> str:
    """One line a student reads in Moodle: the score and the tests that did not pass."""
    missed = [t.name for t in result.tests if t.status != "passed" and not t.hidden]
    text = f"{points(result.score)}/{points(result.max_score)} ({result.status})"
    return text + (f"; not passed: {', '.join(missed)}" if missed else "")


def moodle_table(results: list[SubmissionResult], assignment: str | None = None) -> list[list[str]]:
    """Moodle's CSV grade import: identifier, grade, feedback (mapped to the grade item on import)."""
    title = assignment_title(results, assignment)
    rows = [["Identifier", spreadsheet_safe(title), spreadsheet_safe(f"Feedback: {title}")]]
    for result in results:
        rows.append([spreadsheet_safe(identity(result.submission).name), points(result.score),
                     spreadsheet_safe(moodle_feedback(result))])  # fmt: skip
    return rows


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def report_names(results: list[SubmissionResult]) -> dict[str, str]:
    """Each submission's report file stem under ``reports/`` (unique, safe as a file name)."""
    names: dict[str, str] = {}
    for result in results:
        name = safe_name(result.submission)
        while name in names.values():
            name += "_"
        names[result.submission] = name
    return names


def render_batch(results: list[SubmissionResult], fmt: BatchFormat, assignment: str | None = None) -> str:
    """One class-level output from saved results."""
    renderers: dict[BatchFormat, Callable[[], str]] = {
        "gradebook": lambda: to_csv(gradebook_table(results)),
        "canvas": lambda: to_csv(canvas_table(results, assignment)),
        "moodle": lambda: to_csv(moodle_table(results, assignment)),
        "summary": lambda: render_summary(results, report_names(results)),
    }
    return renderers[fmt]()


def results_jsonl(results: list[SubmissionResult]) -> str:
    """``results.jsonl``: one schema-v1 result per line."""
    return "".join(r.to_json(indent=None) + "\n" for r in results)


def write_batch(results: list[SubmissionResult], folder: Path) -> dict[str, Path]:
    """Write ``results.jsonl``, ``gradebook.csv``, ``summary.html`` and one report per student.

    Each file is written to a temporary name and renamed (:func:`~runner.results.write_atomic`),
    so an interrupted run leaves whole files. Student ids are unique (the batch stage makes them so).
    """
    reports = folder / "reports"
    by_id = {r.submission: r for r in results}
    for submission, name in report_names(results).items():
        write_atomic(reports / f"{name}.html", render_html(by_id[submission]))
    paths = {"results": write_atomic(folder / "results.jsonl", results_jsonl(results)), "reports": reports}
    for fmt in ("gradebook", "summary"):
        paths[fmt] = write_atomic(folder / BATCH_FORMATS[fmt], render_batch(results, fmt))
    return paths


def rerender(results_file: Path, fmt: str, output: Path | None, assignment: str | None, course: Path) -> tuple[Path, int]:
    """``grade report``: re-render a saved ``results.json`` or a batch's ``results.jsonl`` as ``fmt``
    beside it (or at ``output``); Exercism task ids come from the course at or above ``course`` when
    there is one. Returns the file written and how many results it holds. Runs no code."""
    from .errors import UsageError
    from .exercism import course_task_ids
    from .render import FORMATS, render_exercism
    from .results import load_results, load_results_lines

    batch_format = next((f for f in BATCH_FORMATS if f == fmt), None)
    if batch_format is not None:
        results = load_results_lines(results_file) if results_file.suffix == ".jsonl" else [load_results(results_file)]
        target = output or results_file.with_name(BATCH_FORMATS[batch_format])
        write_atomic(target, render_batch(results, batch_format, assignment))
        return target, len(results)
    if results_file.suffix == ".jsonl":
        raise UsageError(f"{results_file} holds a batch: use --format {', '.join(BATCH_FORMATS)}, or pass one results.json")
    result = load_results(results_file)
    default_name, render = FORMATS[fmt]
    target = output or results_file.with_name(default_name)
    text = render_exercism(result, course_task_ids(course, result.exercise)) if fmt == "exercism" else render(result)
    write_atomic(target, text)
    return target, 1
