"""Stage 6: render a :class:`SubmissionResult` (HTML, JUnit XML, Markdown) and write report files."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .feedback import feedback, names_list, without_noise
from .results import SUBMISSION_STATUSES, SubmissionResult, TestResult, write_atomic

STATUS_LABELS = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "timeout": "timed out",
    "skipped": "skipped",
    "resource_limit": "resource limit",
    "tampered": "tampered",
    "infra_error": "grader error",
    "ok": "ok",
}
#: How each status reads, the one home of its colour: the terminal and both templates colour by tone.
STATUS_TONES = {
    "passed": "good", "ok": "good",
    "failed": "bad", "error": "bad", "tampered": "bad", "infra_error": "bad",
    "timeout": "warn", "resource_limit": "warn", "skipped": "warn",
}  # fmt: skip

#: What XML 1.0 cannot hold at all, even escaped: C0 controls but tab, newline and carriage return,
#: lone surrogates, U+FFFE and U+FFFF.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Markdown's punctuation that can start markup, and HTML's own.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")

if TYPE_CHECKING:
    from jinja2 import Environment


@functools.cache
def templates() -> Environment:
    """The HTML templates, loaded on first use: jinja2 is imported when a report is written, so a
    command's answer (printed before its reports) does not wait for it."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("runner", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["label"] = lambda status: STATUS_LABELS.get(status, status)
    env.filters["tone"] = lambda status: STATUS_TONES.get(status, "muted")
    env.filters["points"] = lambda value: f"{value:g}"
    return env


def preload() -> None:
    """Load jinja2 and compile the report's template now (on a thread, while a run is waiting for
    its container), so that writing the report after the answer costs only its rendering. Best
    effort: what fails here fails again, and is said, when the report is written."""
    with contextlib.suppress(Exception):
        templates().get_template("report.html.j2")


def render_html(result: SubmissionResult) -> str:
    """One self-contained page: inline CSS, no scripts, nothing fetched; in :mod:`runner.feedback`'s
    order (failed cells, one card per cause, other failures, then what passed)."""
    said = feedback(result)
    return templates().get_template("report.html.j2").render(r=result, said=said, run_output=without_noise(result.output))


def render_junit(result: SubmissionResult) -> str:
    """JUnit XML: one testsuite for the exercise, one testcase per test, points as suite properties."""
    return render_junit_suites([result])


def xml_text(text: object) -> str:
    """``text`` with only characters XML 1.0 allows (ElementTree escapes the rest of its syntax)."""
    return XML_INVALID.sub("", str(text))


def render_junit_suites(results: list[SubmissionResult]) -> str:
    """JUnit XML with one testsuite per result, valid against the upstream junit-10.xsd
    (Jenkins/Surefire's schema, as pytest ships it): no ``<properties>`` inside a testcase."""
    suites = ET.Element("testsuites", name="grade", tests=str(sum(len(r.tests) for r in results)))
    for result in results:
        junit_suite(suites, result)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def junit_points_property(test_id: str) -> str:
    """The testsuite property that holds one test's points as ``score/max_score``."""
    return f"points:{test_id}"


def junit_suite(parent: ET.Element, result: SubmissionResult) -> None:
    """One testsuite: the score and each test's points as suite properties, then the testcases."""
    counts = {s: sum(t.status == s for t in result.tests) for s in ("failed", "error", "timeout", "skipped")}
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=xml_text(result.exercise),
        tests=str(len(result.tests)),
        failures=str(counts["failed"] + counts["timeout"]),
        errors=str(counts["error"]),
        skipped=str(counts["skipped"]),
        time=f"{result.duration_s:.3f}",
        timestamp=result.started_at[:19],
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (("score", result.score), ("max_score", result.max_score), ("status", result.status),
                       ("submission", result.submission)):  # fmt: skip
        ET.SubElement(props, "property", name=key, value=xml_text(value))
    for test in result.tests:
        points = f"{test.score:g}/{test.max_score:g}"
        ET.SubElement(props, "property", name=xml_text(junit_points_property(test.id)), value=points)
    for test in result.tests:
        case = ET.SubElement(suite, "testcase", classname=xml_text(result.exercise), name=xml_text(test.id),
                             time=f"{test.duration_s:.3f}")  # fmt: skip
        detail = test.message + (f"\nHint: {test.hint}" if test.hint else "")
        first = test.message.splitlines()[0][:200] if test.message else test.status
        if test.status in ("failed", "timeout"):
            ET.SubElement(case, "failure", message=xml_text(first), type=test.status).text = xml_text(detail)
        elif test.status == "error":
            ET.SubElement(case, "error", message=xml_text(first), type="error").text = xml_text(detail)
        elif test.status == "skipped":
            ET.SubElement(case, "skipped", message=xml_text(test.message[:200]))
        if test.output:
            ET.SubElement(case, "system-out").text = xml_text(test.output)


def markdown_text(value: str) -> str:
    """``value`` as literal text on one Markdown line: HTML and Markdown syntax escaped, so that
    no tag, link, image or emphasis from a submission is ever rendered."""
    text = " ".join(value.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def render_markdown(result: SubmissionResult) -> str:
    """A Markdown summary in :mod:`runner.feedback`'s order: the score, the notebook cells that
    failed, each cause once, the other failures with messages and hints, then every test's points."""
    said = feedback(result)
    lines = [
        f"## {result.exercise_title}: {result.score:g}/{result.max_score:g} ({result.percent:g} %)",
        "",
        f"**{STATUS_LABELS[result.status]}** · {markdown_text(result.message)}",
    ]
    if result.selected:
        lines += ["", f"**Partial run** ({markdown_text(result.selected)}): only the selected tests; not the score."]
    if said.cells:
        lines += ["", "### Notebook cells that failed", ""]
        lines += [f"- cell {c.index}: {STATUS_LABELS[c.status]}: {markdown_text(c.error or '')}" for c in said.cells]
    if said.causes or said.others:
        lines += ["", "### What to fix", ""]
        for cause in said.causes:
            lines.append(f"- **{markdown_text(cause.headline[:500])}**")
            if cause.hint:
                lines.append(f"  - Hint: {markdown_text(cause.hint)}")
            lines.append(f"  - Tests: {markdown_text(names_list(cause.tests))}")
        for test in said.others:
            lines.append(f"- **{markdown_text(test.name)}**: {markdown_text(test.message[:500])}")
            if test.hint:
                lines.append(f"  - Hint: {markdown_text(test.hint)}")
    lines += ["", "<details><summary>Every test</summary>", "", "| Test | Points | Status |", "|---|---:|---|"]
    for test in result.tests:
        lines.append(f"| {markdown_text(test.name)} | {test.score:g}/{test.max_score:g} | {STATUS_LABELS[test.status]} |")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def test_feedback(test: TestResult) -> str:
    """What a student may read about one test: the message and the hint, never the test's source."""
    parts = [test.message.strip()] if test.status != "passed" and test.message.strip() else []
    if test.status != "passed" and test.hint:
        parts.append(f"Hint: {test.hint}")
    if test.output:
        parts.append(f"Output:\n{test.output}")
    return "\n\n".join(parts)


def render_gradescope(result: SubmissionResult) -> str:
    """The Gradescope autograder's ``results.json``: score, per-test points, status and output;
    tests marked ``hidden`` get Gradescope's ``hidden`` visibility."""
    data = {
        "score": result.score,
        "execution_time": round(result.duration_s),
        "output": result.message,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": test.name,
                "name_format": "text",
                "number": str(number),
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if test.status == "passed" else "failed",
                "output": test_feedback(test),
                "output_format": "text",
                "visibility": "hidden" if test.hidden else "visible",
            }
            for number, test in enumerate(result.tests, start=1)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_exercism(result: SubmissionResult, tasks: Mapping[str, int] | None = None) -> str:
    """Exercism's test-runner ``results.json`` (version 3). ``test_code`` names the test, never its
    source; a failed test's hint goes in its ``message``; a hidden test shows only its name and
    status; output is cut at 500 characters with the interface's notice; ``task_id`` comes from
    ``tasks`` (test id -> task number, see :mod:`runner.exercism`)."""
    from .exercism import MESSAGE_LIMIT, limited_output

    status = {"passed": "pass", "failed": "fail"}.get(result.status, "error")
    data: dict[str, object] = {"version": 3, "status": status}
    if status == "error":
        data["message"] = result.message[:MESSAGE_LIMIT]
    tests = []
    for test in result.tests:
        entry: dict[str, object] = {
            "name": test.name,
            "test_code": test.name,
            "status": {"passed": "pass", "failed": "fail", "timeout": "fail", "skipped": "fail"}.get(test.status, "error"),
        }
        if test.status != "passed" and not test.hidden:
            entry["message"] = "\n\n".join(p for p in (test.message.strip(), test.hint and f"Hint: {test.hint}") if p)
            entry["message"] = str(entry["message"])[:MESSAGE_LIMIT] or test.status
        if test.output and not test.hidden:
            entry["output"] = limited_output(test.output)
        if tasks and test.id in tasks:
            entry["task_id"] = tasks[test.id]
        tests.append(entry)
    data["tests"] = tests
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


FORMATS: dict[str, tuple[str, Callable[[SubmissionResult], str]]] = {
    "html": ("report.html", render_html),
    "junit": ("junit.xml", render_junit),
    "md": ("report.md", render_markdown),
    "gradescope": ("gradescope.json", render_gradescope),
    "exercism": ("exercism.json", render_exercism),
}


def write_reports(result: SubmissionResult, folder: Path) -> dict[str, Path]:
    """Write ``results.json`` and ``report.html`` into ``folder``; return their paths."""
    results = write_atomic(folder / "results.json", result.to_json() + "\n")
    report = write_atomic(folder / "report.html", render_html(result))
    return {"results": results, "html": report}


def safe_name(student: str) -> str:
    """A file name for a student's report; ids come from file names and may hold anything."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"
    return cleaned[:100]


def spreadsheet_safe(text: str) -> str:
    """Keep a spreadsheet from reading a student-chosen id as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_summary(results: list[SubmissionResult], report_names: dict[str, str]) -> str:
    """The class summary: histogram, pass rate per test (hardest first), statuses, slowest, links."""
    buckets = [0] * 10
    for result in results:
        buckets[min(int(result.percent // 10), 9)] += 1
    names: dict[str, str] = {}
    passed: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for result in results:
        for test in result.tests:
            names[test.id] = test.name
            seen[test.id] += 1
            passed[test.id] += test.status == "passed"
    rates = sorted((100.0 * passed[i] / seen[i], names[i]) for i in seen)
    pass_rates = [{"name": name, "rate": rate} for rate, name in rates]
    statuses = {s: sum(r.status == s for r in results) for s in SUBMISSION_STATUSES}
    slowest = sorted(results, key=lambda r: r.duration_s, reverse=True)[:10]
    mean = sum(r.percent for r in results) / len(results) if results else 0.0
    by_host: dict[str, list[float]] = {}
    for result in results:
        if result.sandbox.host:
            by_host.setdefault(result.sandbox.host, []).append(result.duration_s)
    hosts = [{"name": name, "count": len(times), "mean_s": sum(times) / len(times)} for name, times in sorted(by_host.items())]
    page = templates().get_template("summary.html.j2")
    return page.render(
        results=sorted(results, key=lambda r: r.submission),
        buckets=buckets,
        peak=max(buckets) or 1,
        pass_rates=pass_rates,
        statuses=statuses,
        slowest=slowest,
        hosts=hosts,
        mean=mean,
        links=report_names,
        exercise=results[0].exercise_title if results else "",
    )
