from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from runner.errors import UsageError
from runner.exercise import Exercise
from runner.render import render_html, render_junit, render_markdown, write_reports
from runner.results import SubmissionResult, load_results

from .fakes import sample, write_exercise


def test_json_round_trip(sqlalchemy_exercise: Exercise, tmp_path: Path) -> None:
    result = sample(sqlalchemy_exercise)
    paths = write_reports(result, tmp_path)
    data = json.loads(paths["results"].read_text())
    assert data["schema_version"] == 1
    assert data["status"] == "failed"
    assert data["score"] == sum(t.points for t in sqlalchemy_exercise.tests[2:])
    assert load_results(paths["results"]) == result


def test_old_results_naming_the_host_worker_still_load(sqlalchemy_exercise: Exercise, tmp_path: Path) -> None:
    """``sandbox.host`` was written ``sandbox.worker`` before: such files load, with the same host."""
    result = replace(sample(sqlalchemy_exercise), sandbox=replace(sample(sqlalchemy_exercise).sandbox, host="w1@box"))
    data = result.to_dict()
    assert data["sandbox"]["host"] == "w1@box"
    data["sandbox"]["worker"] = data["sandbox"].pop("host")
    old = tmp_path / "results.json"
    old.write_text(json.dumps(data))
    assert load_results(old) == result
    assert load_results(old).sandbox.host == "w1@box"
    assert "on host w1@box" in render_html(load_results(old)), "the report names the host"


def test_load_results_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text("[1, 2]")
    with pytest.raises(UsageError, match="not a results file"):
        load_results(bad)
    bad.write_text('{"schema_version": 99}')
    with pytest.raises(UsageError, match="schema v1"):
        load_results(bad)
    with pytest.raises(UsageError, match="does not exist"):
        load_results(tmp_path / "missing.json")


def test_html_report_is_self_contained_and_complete(sqlalchemy_exercise: Exercise, basics_exercise: Exercise) -> None:
    result = sample(sqlalchemy_exercise)
    page = render_html(result)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report must not fetch anything"
    assert "<script" not in page
    assert f"{result.score:g}" in page and f"{result.max_score:g} points" in page
    for test in result.tests:
        assert test.name.replace("'", "&#39;") in page
    failed = next(t for t in result.tests if t.status != "passed")
    assert failed.hint.replace("'", "&#39;") in page
    assert "512 MiB memory" in page
    notebook_page = render_html(sample(basics_exercise))
    assert "ZeroDivisionError" in notebook_page and "cell 4" in notebook_page
    assert 'name="viewport"' in page


def test_html_escapes_student_output(sqlalchemy_exercise: Exercise) -> None:
    result = sample(sqlalchemy_exercise)
    from dataclasses import replace

    evil = replace(result, tests=(replace(result.tests[0], message="<script>alert(1)</script>"), *result.tests[1:]))
    page = render_html(evil)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_junit_counts_and_points(sqlalchemy_exercise: Exercise) -> None:
    result = sample(sqlalchemy_exercise, failing=3)
    root = ET.fromstring(render_junit(result).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(result.tests))
    assert suite.get("failures") == "3"
    cases = suite.findall("testcase")
    assert len(cases) == len(result.tests)
    assert len([c for c in cases if c.find("failure") is not None]) == 3
    points = suite.find(f"properties/property[@name='points:{result.tests[0].id}']")
    assert points is not None and points.get("value") == f"0/{result.tests[0].max_score:g}"


def test_markdown_lists_failures_with_hints(sqlalchemy_exercise: Exercise) -> None:
    result = sample(sqlalchemy_exercise)
    text = render_markdown(result)
    assert text.startswith(f"## {result.exercise_title}")
    assert "### What to fix" in text
    assert "Hint:" in text
    assert text.count("\n| ") == len(result.tests) + 1


GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "visibility", "stdout_visibility", "tests"}
GRADESCOPE_TEST = {"name", "name_format", "number", "score", "max_score", "status", "output", "output_format", "visibility"}
EXERCISM_TEST = {"name", "test_code", "status", "message", "output", "task_id"}


def test_gradescope_fields(sqlalchemy_exercise: Exercise) -> None:
    from runner.render import render_gradescope

    result = sample(sqlalchemy_exercise)
    data = json.loads(render_gradescope(result))
    assert set(data) <= GRADESCOPE_TOP and data["score"] == result.score
    assert len(data["tests"]) == len(result.tests)
    for test in data["tests"]:
        assert set(test) <= GRADESCOPE_TEST
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert "def test_" not in test["output"], "no hidden test source"
    assert sum(t["score"] for t in data["tests"]) == result.score


def test_exercism_v3_fields(sqlalchemy_exercise: Exercise) -> None:
    from runner.render import render_exercism

    data = json.loads(render_exercism(sample(sqlalchemy_exercise)))
    assert data["version"] == 3 and data["status"] in ("pass", "fail", "error")
    for test in data["tests"]:
        assert {"name", "test_code", "status"} <= set(test) <= EXERCISM_TEST
        assert test["status"] in ("pass", "fail", "error")
        assert len(test.get("output", "")) <= 500
        if test["status"] != "pass":
            assert test["message"]


def test_junit_validates_against_the_upstream_schema(sqlalchemy_exercise: Exercise, junit_xsd: Path) -> None:
    from lxml import etree

    from runner.render import junit_points_property, render_junit_suites

    schema = etree.XMLSchema(etree.parse(str(junit_xsd)))
    for failing in (0, 3):
        result = sample(sqlalchemy_exercise, failing=failing)
        document = etree.fromstring(render_junit_suites([result, result]).encode())
        assert schema.validate(document), schema.error_log
        suite = document.find("testsuite")
        assert suite is not None
        first = result.tests[0]
        points = suite.find(f"properties/property[@name='{junit_points_property(first.id)}']")
        assert points is not None and points.get("value") == f"{first.score:g}/{first.max_score:g}"
    nested = b'<testsuites><testsuite name="x" tests="1" failures="0" errors="0"><testcase name="t">'
    nested += b'<properties><property name="a" value="1"/></properties></testcase></testsuite></testsuites>'
    assert not schema.validate(etree.fromstring(nested)), "upstream forbids properties inside a testcase"


def test_hidden_tests_stay_hidden_in_lms_exports(sqlalchemy_exercise: Exercise) -> None:
    from dataclasses import replace

    from runner.render import render_exercism, render_gradescope

    result = sample(sqlalchemy_exercise, failing=2)
    secret = replace(result.tests[0], hidden=True, message="expected 42, got 41", output="printed")
    result = replace(result, tests=(secret, *result.tests[1:]))
    gradescope = json.loads(render_gradescope(result))["tests"]
    assert gradescope[0]["visibility"] == "hidden" and gradescope[1]["visibility"] == "visible"
    exercism = json.loads(render_exercism(result))["tests"][0]
    assert "message" not in exercism and "output" not in exercism and exercism["status"] == "fail"
    assert SubmissionResult.from_dict(json.loads(result.to_json())).tests[0].hidden is True


def test_hidden_flag_comes_from_the_points_marker(tmp_path: Path) -> None:
    from runner.exercise import load_exercise

    suite = (
        "import pytest\n@pytest.mark.points(1, hint='h', hidden=True)\ndef test_a(student):\n    pass\n"
        "@pytest.mark.points(1)\ndef test_b(student):\n    pass\n"
    )
    exercise = write_exercise(tmp_path, "97_hidden", 'files = ["m.py"]\n', {"grader/tests/test_m.py": suite})
    assert [t.hidden for t in load_exercise(exercise).tests] == [True, False]


def test_every_status_has_one_tone_that_the_report_and_the_terminal_use(sqlalchemy_exercise: Exercise) -> None:
    from runner.cli import TONE_STYLES, style
    from runner.render import STATUS_TONES
    from runner.results import CELL_STATUSES, SUBMISSION_STATUSES, TEST_STATUSES

    for status in {*SUBMISSION_STATUSES, *TEST_STATUSES, *CELL_STATUSES}:
        assert STATUS_TONES[status] in TONE_STYLES, status
    page = render_html(sample(sqlalchemy_exercise, failing=2))
    assert 'class="pill tone-good"' in page and 'class="pill tone-bad"' in page
    assert ".tone-good {" in page and ".tone-bad {" in page and ".tone-warn {" in page
    assert style("failed") == "red" and style("timeout") == "yellow"
