"""Any text a student can produce, through every output, each checked with its real parser.

Property-based (hypothesis): arbitrary text (lone surrogates, control characters, escape
sequences, huge strings, markup, workflow commands) and arbitrary numbers (NaN, infinities) go in
as the sandbox's raw events, through the trust boundary, into every renderer. Strict JSON, lxml,
an HTML parser, a Markdown renderer and a terminal without colours each read what came out.
"""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from markdown_it import MarkdownIt
from rich.console import Console

from runner import cli
from runner.ci import error_annotations, step_summary
from runner.exercise import Exercise
from runner.grading import grade_submission
from runner.lms import canvas_table, gradebook_table, moodle_table, to_csv
from runner.render import render_html, render_junit_suites, render_markdown, render_summary
from runner.results import SubmissionResult
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome
from runner.submission import collect_submission
from runner.untrusted import RESULT_CHARS, clean_number, clean_text, is_clean

from .fakes import strict_json, tags_of

PAYLOADS = [
    "\ud800",
    "a\udfffb",
    "\x1b[2J\x1b[H",
    "\x1b]0;window title\x07",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x9b31mred",
    "\x00\x08\x7f\x85\x9f",
    "\r\n::error::forged",
    "line\n::add-mask::secret\n::stop-commands::x\n::error file=a.py,line=1::x",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "</details></pre></td>",
    "[click](javascript:alert(1)) ![pixel](https://example.org/p.png) <https://example.org>",
    "```\n# not a heading\n```",
    "| a | b |\n|---|---|",
    "\u202eevil\u202c \u2066x\u2069",
    "\ufffe\uffff",
    "]]><![CDATA[",
    "[bold red]markup[/]",
    "%0A%25",
]

hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=200),
    st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=5).map("".join),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-(2**70), max_value=2**70), st.booleans()
)


def hostile_result(exercise: Exercise, text: str, number: Any, cell_index: int | None = None) -> SubmissionResult:
    """Grade the exercise's starter with a sandbox whose every string is ``text`` and number ``number``."""

    def respond(request: RunRequest) -> RunOutcome:
        statuses = {t.id: ("failed" if i % 2 else "passed") for i, t in enumerate(exercise.tests)}
        assert request.sentinel is not None
        cells = ({"type": "cell", "index": cell_index, "status": "error", "error": text, "line": 3},) if cell_index else ()
        run = outcome({**statuses, request.sentinel: "failed"}, cells=cells)
        events = tuple(
            {**e, "message": text, "output": text, "duration_s": number, "location": {"file": text, "line": 7}}
            if e.get("type") == "test"
            else e
            for e in run.events
        )
        assert run.exit is not None
        return RunOutcome(events=events, exit={**run.exit, "output": text, "duration_s": number}, duration_s=0.1)

    submission = collect_submission(exercise.path, exercise, student_id=text or "student")
    return grade_submission(exercise, submission, FakeSandbox(respond))


def terminal_output(result: SubmissionResult, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``grade`` prints for ``result`` on a terminal that shows no colours (so that any escape
    sequence in the output came from the result, not from rich)."""
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=buffer, force_terminal=True, color_system=None, width=80))
    cli.print_result(result)
    return buffer.getvalue()


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=hostile, number=numbers)
def test_hostile_text_is_clean_after_the_trust_boundary(sqlalchemy_exercise: Exercise, text: str, number: Any) -> None:
    result = hostile_result(sqlalchemy_exercise, text, number)
    strings = [result.message, result.output, *result.flags]
    for test in result.tests:
        strings += [test.message, test.output] + ([test.location.file] if test.location else [])
    assert all(is_clean(s) for s in strings)
    assert all(math.isfinite(t.duration_s) and t.duration_s >= 0 for t in result.tests)
    data = strict_json(result.to_json())
    assert data["status"] in ("passed", "failed")
    result.to_json().encode("utf-8")  # no lone surrogate survives


@pytest.mark.slow
@SETTINGS
@given(text=hostile, number=numbers)
def test_every_renderer_survives_hostile_text(
    sqlalchemy_exercise: Exercise, basics_exercise: Exercise, text: str, number: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = [hostile_result(sqlalchemy_exercise, text, number), hostile_result(basics_exercise, text, number, cell_index=4)]
    baseline = [hostile_result(sqlalchemy_exercise, "plain", 1.0), hostile_result(basics_exercise, "plain", 1.0, cell_index=4)]
    # JUnit: well-formed XML 1.0 that lxml reads back.
    etree.fromstring(render_junit_suites(results).encode("utf-8"))
    # HTML: no tag or attribute that the same report of plain text does not have.
    for result, plain in zip(results, baseline, strict=True):
        page, expected = tags_of(render_html(result)), tags_of(render_html(plain))
        assert page.tags <= expected.tags and page.attributes <= expected.attributes
    summary, plain_summary = tags_of(render_summary(results, {})), tags_of(render_summary(baseline, {}))
    assert summary.tags <= plain_summary.tags
    # Markdown (as GitHub renders it, raw HTML allowed): nothing from the submission becomes markup.
    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    for source, plain_source in (
        (step_summary(results), step_summary(baseline)),
        (render_markdown(results[0]), render_markdown(baseline[0])),
    ):
        rendered, expected_tags = tags_of(markdown.render(source)), tags_of(markdown.render(plain_source))
        assert rendered.tags <= expected_tags.tags | {"p"}, source
        assert not {"a", "img", "script"} & rendered.tags
    # Terminal: no escape sequence or control character reaches it.
    for result in results:
        shown = terminal_output(result, monkeypatch)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown), repr(shown[:300])
    # GitHub's log: every annotation is one line.
    for result in results:
        for line in error_annotations(result, "exercises/x"):
            assert line.startswith(("::error ", "::notice ")) and "\n" not in line and "\r" not in line
    # Gradebooks (ours, Canvas, Moodle): one row per result, nothing a spreadsheet would run.
    for table, extra in ((gradebook_table, 1), (canvas_table, 2), (moodle_table, 1)):
        read = list(csv.reader(io.StringIO(to_csv(table(results)))))
        assert len(read) == extra + len(results)
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in read[extra:] for cell in row if cell), read


@given(value=st.one_of(hostile, numbers, st.none(), st.lists(st.integers())), limit=st.integers(0, 5000))
def test_clean_text_is_valid_printable_and_bounded(value: object, limit: int) -> None:
    cleaned = clean_text(value, limit)
    assert is_clean(cleaned)
    cleaned.encode("utf-8")
    assert len(cleaned) <= limit + 60
    # Cut when what is left after cleaning (an unterminated escape sequence drops the rest) is too long.
    if isinstance(value, str) and len(clean_text(value, len(value))) > limit:
        assert "[truncated:" in cleaned


@given(value=numbers)
def test_clean_number_is_finite_and_not_negative(value: object) -> None:
    number = clean_number(value)
    assert math.isfinite(number) and number >= 0


def test_a_huge_result_is_bounded_with_a_mark(sqlalchemy_exercise: Exercise) -> None:
    result = hostile_result(sqlalchemy_exercise, "é" * 60_000, 1.0)
    text = result.to_json()
    assert len(text) < RESULT_CHARS * 1.2
    assert "[truncated:" in text


def test_cells_are_only_for_notebooks_and_only_real_cells(sqlalchemy_exercise: Exercise, basics_exercise: Exercise) -> None:
    forged_module = hostile_result(sqlalchemy_exercise, "x", 1.0, cell_index=4)
    assert forged_module.status == "tampered" and forged_module.score == 0
    assert "no notebook" in forged_module.message
    not_a_code_cell = hostile_result(basics_exercise, "x", 1.0, cell_index=3)
    assert not_a_code_cell.status == "tampered"
    real = hostile_result(basics_exercise, "x", 1.0, cell_index=4)
    assert real.status == "failed" and [c.index for c in real.cells] == [4]


def raw_result(exercise: Exercise, text: str) -> SubmissionResult:
    """A result holding ``text`` uncleaned everywhere a submission's text can be (as a hand-edited
    results.json would): each output must escape its own syntax even without the trust boundary."""
    from dataclasses import replace

    from runner.results import CellResult, Location

    plain = hostile_result(exercise, "plain", 1.0)
    tests = tuple(replace(t, message=text, output=text, status="failed", location=Location(text, 3)) for t in plain.tests)
    cells = (CellResult(index=4, status="error", error=text, line=2),)
    return replace(plain, submission=text, message=text, output=text, flags=(text,), tests=tests, cells=cells)


@pytest.mark.slow
@SETTINGS
@given(text=hostile)
def test_each_output_escapes_its_own_syntax(sqlalchemy_exercise: Exercise, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = raw_result(sqlalchemy_exercise, text)
    shown = terminal_output(result, monkeypatch)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", shown), repr(shown[:300])
    etree.fromstring(render_junit_suites([result]).encode("utf-8"))
    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    rendered = tags_of(markdown.render(step_summary([result])))
    assert not {"a", "img", "script", "iframe", "style"} & rendered.tags
    for line in error_annotations(result, "exercises/x"):
        assert "\n" not in line and "\r" not in line
