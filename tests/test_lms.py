"""Gradebooks from saved results: ``grade report results.jsonl --format gradebook|canvas|moodle|summary``."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from runner.exercise import Exercise
from runner.lms import CANVAS_HEADER, POINTS_POSSIBLE, identity, results_jsonl, write_batch
from runner.results import SubmissionResult
from tests.fakes import Cli, sample


@pytest.fixture
def batch(sqlalchemy_exercise: Exercise, tmp_path: Path) -> tuple[Path, list[SubmissionResult]]:
    """A batch written by ``grade batch``'s writer: a Canvas-named student, a folder-named one, a formula.
    Re-rendering it runs no code: :class:`~tests.fakes.Cli` opens no sandbox unless told to."""
    results = [
        replace(sample(sqlalchemy_exercise, failing=0), submission="doe_123"),
        replace(sample(sqlalchemy_exercise, failing=3), submission="alice"),
        replace(sample(sqlalchemy_exercise, failing=1), submission="=cmd()"),
    ]
    out = tmp_path / "batch"
    write_batch(results, out)
    return out, results


def report(path: Path, *args: str) -> str:
    run = Cli().invoke(["report", str(path), *args])
    assert run.exit_code == 0, run.output
    return run.output


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_gradebook_re_rendered_from_results_jsonl(batch: tuple[Path, list[SubmissionResult]], tmp_path: Path) -> None:
    out, results = batch
    written = (out / "gradebook.csv").read_bytes()
    report(out / "results.jsonl", "--format", "gradebook", "-o", str(tmp_path / "again.csv"))
    assert (tmp_path / "again.csv").read_bytes() == written, "the same gradebook as grade batch wrote"
    header, *rows = rows_of(tmp_path / "again.csv")
    assert header[:2] == ["student", "lms_user_id"]
    maxima = [float(h.rsplit("(max ", 1)[1].rstrip(")")) for h in header[6:]]
    assert sum(maxima) == results[0].max_score, "each test column names its maximum"
    assert rows[0][:2] == ["doe_123", "123"] and rows[1][:2] == ["alice", ""]
    assert rows[2][0] == "'=cmd()", "no formula reaches a spreadsheet"
    assert sum(float(p) for p in rows[1][6:]) == results[1].score


def test_canvas_import_layout(batch: tuple[Path, list[SubmissionResult]]) -> None:
    out, results = batch
    report(out / "results.jsonl", "--format", "canvas", "--assignment", "Bookshop (4711)")
    header, possible, *rows = rows_of(out / "canvas.csv")
    assert tuple(header[:5]) == CANVAS_HEADER and header[5] == "Bookshop (4711)"
    assert possible[0] == POINTS_POSSIBLE and float(possible[5]) == results[0].max_score
    assert [r[:2] for r in rows] == [["doe", "123"], ["alice", ""], ["'=cmd()", ""]], "the Canvas user id in its own column"
    assert [float(r[5]) for r in rows] == [r.score for r in results]


def test_moodle_import_layout(batch: tuple[Path, list[SubmissionResult]]) -> None:
    out, results = batch
    report(out / "results.jsonl", "--format", "moodle")
    header, *rows = rows_of(out / "moodle.csv")
    assert header == ["Identifier", results[0].exercise_title, f"Feedback: {results[0].exercise_title}"]
    assert [r[0] for r in rows] == ["doe", "alice", "'=cmd()"]
    assert [float(r[1]) for r in rows] == [r.score for r in results]
    assert rows[1][2].startswith(f"{results[1].score:g}/{results[1].max_score:g} (") and "not passed:" in rows[1][2]


def test_summary_re_rendered_links_the_reports(batch: tuple[Path, list[SubmissionResult]], tmp_path: Path) -> None:
    out, _ = batch
    written = (out / "summary.html").read_text()
    report(out / "results.jsonl", "--format", "summary", "-o", str(tmp_path / "summary.html"))
    assert (tmp_path / "summary.html").read_text() == written
    assert 'href="reports/alice.html"' in written and (out / "reports" / "alice.html").is_file()


def test_bad_inputs_are_usage_errors(batch: tuple[Path, list[SubmissionResult]]) -> None:
    out, results = batch
    broken = out / "broken.jsonl"
    broken.write_text(results_jsonl(results[:1]) + "{not json\n")
    run = Cli().invoke(["report", str(broken), "--format", "canvas"])
    assert run.exit_code == 2 and "broken.jsonl:2" in run.output
    run = Cli().invoke(["report", str(out / "results.jsonl"), "--format", "html"])
    assert run.exit_code == 2 and "--format gradebook" in run.output


def test_identity_separates_the_canvas_user_id() -> None:
    assert identity("doe_123") == identity("doe_123") and identity("doe_123").lms_user_id == "123"
    assert identity("alice").lms_user_id == "" and identity("jane_doe").name == "jane_doe"
