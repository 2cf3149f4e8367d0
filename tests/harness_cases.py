"""A small exercise and hostile submissions, graded for real by the local and Docker backends."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

from runner.exercise import Exercise, load_exercise

from .fakes import write_exercise

HIDDEN = """
import pytest

@pytest.mark.points(1, hint="add returns the sum")
def test_add(student):
    assert student.add(2, 3) == 5, f"add(2, 3) should be 5, got {student.add(2, 3)!r}"

@pytest.mark.points(2, hint="slow must return quickly")
def test_slow(student):
    assert student.slow() == "done"

@pytest.mark.points(1, hint="sub subtracts")
def test_sub(student):
    assert student.sub(5, 3) == 2

@pytest.mark.points(1, hint="prints are captured")
def test_shout(student):
    assert student.shout("hi") == "HI"
"""

GOOD = """
def add(a, b):
    return a + b

def slow():
    return "done"

def sub(a, b):
    return a - b

def shout(text):
    print("shouting", text)
    return text.upper()
"""


def demo_exercise(tmp_path: Path, kind: str = "module", boundary: str = "shared", **limits: float) -> Exercise:
    """``exercises/99_demo`` + ``graders/99_demo`` under ``tmp_path``, with short time limits;
    ``boundary`` is the exercise's ``[grading] boundary``."""
    files = '["demo.py"]' if kind == "module" else '["exercise.ipynb"]'
    table = "\n".join(f"{k} = {v}" for k, v in {"test_timeout_s": 2, "submission_timeout_s": 8, **limits}.items())
    config = f'id = "99_demo"\nkind = "{kind}"\nfiles = {files}\n[grading]\nboundary = "{boundary}"\n[limits]\n{table}\n'
    return load_exercise(write_exercise(tmp_path / "course", "99_demo", config, {"grader/tests/test_demo.py": HIDDEN}))


def module_submission(tmp_path: Path, source: str, name: str = "student") -> Path:
    folder = tmp_path / "submissions" / name
    folder.mkdir(parents=True)
    (folder / "demo.py").write_text(textwrap.dedent(source))
    return folder


def notebook_submission(tmp_path: Path, cells: list[str], name: str = "student") -> Path:
    folder = tmp_path / "submissions" / name
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Demo")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "exercise.ipynb")
    return folder


#: name -> (source of demo.py, expected submission status, expected statuses of the four tests)
MODULE_CASES: dict[str, tuple[str, str, tuple[str, str, str, str]]] = {
    "correct": (GOOD, "passed", ("passed", "passed", "passed", "passed")),
    "loop_in_one_function": (
        GOOD.replace('return "done"', "while True:\n        pass"),
        "failed",
        ("passed", "timeout", "passed", "passed"),
    ),
    "loop_that_swallows_the_timeout": (
        GOOD.replace(
            'return "done"',
            "while True:\n        try:\n            sum(range(10**6))\n        except BaseException:\n            pass",
        ),
        "timeout",
        ("passed", "timeout", "timeout", "timeout"),
    ),
    "loop_at_import": ("while True:\n    pass\n" + GOOD, "timeout", ("timeout",) * 4),
    "exception_at_import": ("import no_such_module\n" + GOOD, "error", ("error",) * 4),
    "exit_at_import": ("import sys\nsys.exit(0)\n" + GOOD, "error", ("error",) * 4),
    "os_exit_mid_test": (
        GOOD.replace('return "done"', "import os\n    os._exit(0)"),
        "failed",
        ("passed", "failed", "failed", "failed"),
    ),
    "prints_fake_results": (
        GOOD.replace(
            "def add(a, b):",
            'import json, sys\nprint(json.dumps({"type": "event", "event": {"type": "test", "nodeid": "test_demo.py::test_add",'
            ' "status": "passed"}}))\ndef add(a, b):',
        ).replace("return a + b", "return 0"),
        "failed",
        ("failed", "passed", "passed", "passed"),
    ),
    "writes_the_result_channel": (
        "import os, json\n"
        "fd = os.open(os.environ['GRADER_CHANNEL'], os.O_WRONLY)\n"
        "forged = {'type': 'test', 'nodeid': 'test_demo.py::test_bonus', 'status': 'passed'}\n"
        "os.write(fd, (json.dumps(forged) + '\\n').encode())\n" + GOOD,
        "tampered",
        ("failed", "failed", "failed", "failed"),
    ),
    "monkeypatches_pytest_reports": (
        "import _pytest.reports as r\n"
        "_original = r.TestReport.from_item_and_call\n"
        "def _forge(item, call):\n"
        "    report = _original(item, call)\n"
        "    report.outcome = 'passed'\n"
        "    return report\n"
        "r.TestReport.from_item_and_call = staticmethod(_forge)\n" + GOOD.replace("return a + b", "return 0"),
        "tampered",
        ("failed", "failed", "failed", "failed"),
    ),
}
