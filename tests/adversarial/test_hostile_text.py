"""Text a hostile student produces, graded for real in Docker, through every output.

Each case is one finding of "Any text a student can produce is safe in every output": the
grader must write whole, strict files, keep escape sequences off the terminal and workflow
commands out of the CI log, and keep one submission's text from costing anyone else a result.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from markdown_it import MarkdownIt

from runner import cli
from runner.batch import discover, grade_batch
from runner.grading import grade_folder
from runner.lms import write_batch
from runner.render import render_junit_suites, write_reports
from runner.sandbox.docker import DockerSandbox

from ..fakes import strict_json, tags_of
from ..harness_cases import GOOD, demo_exercise, module_submission, notebook_submission

pytestmark = pytest.mark.docker

SURROGATE = GOOD.replace("return a + b", 'raise ValueError("\\ud800 lone surrogate")')
COLOURED = GOOD.replace(
    'print("shouting", text)', 'print("\\x1b[31mred\\x1b[2J\\x1b]0;title\\x07\\x1b]52;c;ZXZpbA==\\x07")'
).replace("return text.upper()", 'raise RuntimeError("\\x1b[2Jcleared <script>alert(1)</script> \\ud83d")')
CELL_COMMANDS = 'raise RuntimeError("first line\\n::error::forged\\n::add-mask::secret\\n::stop-commands::abc\\n<img src=x>")'
CHANNEL = "import os, json\n_fd = os.open(os.environ['GRADER_CHANNEL'], os.O_WRONLY)\ndef _send(event):\n    data = (json.dumps(event, ensure_ascii=False) + '\\n').encode()\n    while data:\n        data = data[os.write(_fd, data):]\n"
INFINITY = (
    CHANNEL
    + 'os.write(_fd, b\'{"type": "test", "nodeid": "test_demo.py::test_add", "status": "failed", "duration_s": Infinity}\\n\')\n'
    + GOOD
)
#: About 31 MiB of valid-looking events (UTF-8) that grow threefold when JSON-encoded as ASCII.
FLOOD = (
    CHANNEL
    + "for _ in range(310):\n    _send({'type': 'cell', 'index': 0, 'status': 'ok', 'error': '\\u00e9' * 50_000})\n"
    + GOOD
)
#: Thousands of forged notebook-cell events from a module exercise.
FORGED_CELLS = (
    CHANNEL + "for i in range(5000):\n    _send({'type': 'cell', 'index': i, 'status': 'error', 'error': 'x' * 2000})\n" + GOOD
)


def test_a_lone_surrogate_is_graded_and_written(tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path)
    result = grade_folder(exercise, module_submission(tmp_path, SURROGATE), docker_sandbox)
    assert result.status == "failed" and result.score == 4
    paths = write_reports(result, tmp_path / "reports")
    saved = strict_json(paths["results"].read_text(encoding="utf-8"))
    assert "lone surrogate" in saved["tests"][0]["message"]
    assert "\ufffd" in saved["tests"][0]["message"] or "\\ud800" not in paths["results"].read_text()


def test_escape_sequences_reach_neither_the_terminal_nor_the_xml(tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path)
    course = exercise.path.parent.parent
    (exercise.path / "demo.py").write_text(COLOURED)
    runner = CliRunner()
    done = runner.invoke(cli.main, [str(exercise.path), "--reports", str(tmp_path / "reports"), "--backend", "docker"])
    assert done.exit_code == 1, done.output
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", done.output), repr(done.output)
    assert "cleared" in done.output
    result = grade_folder(exercise, exercise.path, docker_sandbox)
    etree.fromstring(render_junit_suites([result]).encode("utf-8"))
    assert (course / "exercises").is_dir()


def test_grade_ci_keeps_workflow_commands_in_the_fence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exercise = demo_exercise(tmp_path, kind="notebook", submission_timeout_s=60, cell_timeout_s=20)
    course = exercise.path.parent.parent
    notebook = notebook_submission(tmp_path, [CELL_COMMANDS, "def add(a, b):\n    return 0", "print('\\x1b[31m::warning::x')"])
    (exercise.path / "exercise.ipynb").write_bytes((notebook / "exercise.ipynb").read_bytes())
    subprocess.run(["git", "init", "-q", str(course)], check=True)
    monkeypatch.chdir(course)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    done = CliRunner().invoke(cli.main, ["ci", "--all", "--backend", "docker"])
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    outside: list[str] = []
    inside: list[str] = []
    token: str | None = None
    for line in lines:
        if token is None and line.startswith("::stop-commands::"):
            token = line.split("::")[2]
        elif token is not None and line == f"::{token}::":
            token = None
        else:
            (inside if token else outside).append(line)
    assert any("::add-mask::secret" in line for line in inside), done.output
    commands = [line for line in outside if line.startswith("::")]
    assert commands and all(line.startswith("::error ") for line in commands), commands
    assert not any("add-mask" in line or "stop-commands" in line for line in outside if not line.startswith("::error "))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", done.output)
    etree.parse(str(course / "reports" / "junit.xml"))
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(summary.read_text())
    assert not {"img", "a", "script"} & tags_of(page).tags
    classroom = json.loads(base64.b64decode(output.read_text().strip().split("=", 1)[1]))
    assert classroom["status"] == "fail"


@pytest.mark.parametrize(
    ("case", "source"),
    [("Infinity on the channel", INFINITY), ("31 MiB of events", FLOOD), ("5000 forged cells", FORGED_CELLS)],
)
def test_forged_streams_are_tampered_small_and_strict(case: str, source: str, tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path, submission_timeout_s=30)
    result = grade_folder(exercise, module_submission(tmp_path, source), docker_sandbox)
    assert result.status == "tampered", f"{case}: {result.status}: {result.message}"
    assert result.score == 0
    text = result.to_json()
    strict_json(text)
    assert len(text.encode()) < 200_000, f"{case}: results.json is {len(text.encode())} bytes"
    assert len(result.message) < 2000


def test_one_submission_never_costs_a_batch_its_results(tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path)
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "surrogate.py").write_text(SURROGATE)
    (folder / "honest.py").write_text(GOOD)
    (folder / "alice").mkdir()
    (folder / "alice" / "demo.py").write_text(GOOD)
    (folder / "alice.py").write_text(COLOURED)
    (folder / "esc\x1b[2Jape.py").write_text(GOOD)
    items = discover(folder, exercise)
    ids = [item.student for item in items]
    assert len(set(ids)) == len(ids) == 5, ids
    assert {"alice", "alice.py"} <= set(ids)
    assert not any("\x1b" in i for i in ids)
    entries = grade_batch(exercise, items, DockerSandbox, jobs=2, cache=None)
    by_id = {e.item.student: e.result for e in entries}
    assert by_id["honest"].status == "passed" and by_id["alice"].status == "passed"
    assert by_id["surrogate"].status == "failed"
    paths = write_batch([e.result for e in entries], tmp_path / "out")
    rows = [strict_json(line) for line in paths["results"].read_text(encoding="utf-8").splitlines()]
    assert sorted(r["submission"] for r in rows) == sorted(ids)
    assert len(paths["gradebook"].read_text(encoding="utf-8").splitlines()) == 6
    assert len(list(paths["reports"].glob("*.html"))) == 5
    assert "surrogate" in paths["summary"].read_text(encoding="utf-8")
