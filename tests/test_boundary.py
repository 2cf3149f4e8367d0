"""The process boundary: its codec, its setting, and a real run by the local backend (no Docker).

The local backend runs both processes as the same user, so this checks the protocol and the
grader's view of the student's code, not the isolation (tests/adversarial checks that in Docker).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import pytest

from runner.errors import ExerciseError
from runner.exercise import load_exercise
from runner.grading import grade_folder
from runner.harness import boundary
from runner.sandbox.local import LocalSandbox

from .fakes import write_exercise
from .harness_cases import demo_exercise, notebook_submission


def no_handles(data: dict[str, Any]) -> object:
    raise AssertionError(f"no handle expected, got {data}")


def round_trip(value: object) -> Any:
    def refuse(other: object) -> dict[str, Any]:
        raise TypeError(type(other).__name__)

    return boundary.decode(boundary.encode(value, refuse), no_handles)


def test_plain_values_come_back_as_exact_builtin_types() -> None:
    value = {
        ("a", 1): [None, True, 2**100, 1.5, "é", b"\x00\xff"],
        frozenset({1, 2}): {3, 4},
        "t": (1, (2, [3])),
        4: {"nested": {}},
    }
    back = round_trip(value)
    assert back == value
    assert type(back[("a", 1)][1]) is bool and type(back[("a", 1)][2]) is int
    assert type(back["t"]) is tuple and type(back["t"][1][1]) is list
    assert type(back[frozenset({1, 2})]) is set
    assert type(back[("a", 1)][5]) is bytes


def test_special_floats_cross_tagged() -> None:
    back = round_trip([math.nan, math.inf, -math.inf, -0.0])
    assert math.isnan(back[0]) and back[1:3] == [math.inf, -math.inf]
    assert math.copysign(1, back[3]) == -1


def test_objects_that_are_not_plain_data_go_to_the_callback() -> None:
    class Thing:
        pass

    seen: list[object] = []

    def other(value: object) -> dict[str, Any]:
        seen.append(value)
        return {"$": "handle", "id": 7, "type": "Thing"}

    thing = Thing()
    data = boundary.encode([thing, True], other)
    assert seen == [thing]
    assert boundary.decode(data, lambda d: ("handle", d["id"])) == [("handle", 7), True]


@pytest.mark.parametrize(
    "data",
    [
        {"a": 1},  # an untagged object
        {"$": "pickle", "v": "gASV"},
        {"$": "bytes", "v": "not base64!"},
        {"$": "set", "v": [[1, 2]]},  # an unhashable member
        {"$": "dict", "v": [[[1], 2]]},  # an unhashable key
        {"$": "dict", "v": [[1, 2, 3]]},
        {"$": "float", "v": "1e400"},
        {"$": "class", "module": "os", "name": "system", "bases": []},  # no class callback given
    ],
)
def test_malformed_data_is_refused(data: object) -> None:
    with pytest.raises(boundary.ProtocolError):
        boundary.decode(data, no_handles)


def test_nesting_is_bounded() -> None:
    deep: object = []
    for _ in range(boundary.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(boundary.ProtocolError):
        boundary.decode(deep, no_handles)


def test_boundary_setting_is_read_and_checked(tmp_path: Path) -> None:
    assert demo_exercise(tmp_path / "a").boundary == "shared"
    assert demo_exercise(tmp_path / "b", boundary="process").boundary == "process"
    with pytest.raises(ExerciseError, match="boundary must be one of shared, process"):
        demo_exercise(tmp_path / "c", boundary="thread")
    assert demo_exercise(tmp_path / "d", kind="notebook", boundary="process").boundary == "process"
    with pytest.raises(ExerciseError, match="for module and notebook exercises, not kind 'files'"):
        demo_exercise(tmp_path / "e", kind="files", boundary="process")


SUITE = """
import pytest

@pytest.mark.points(1, hint="")
def test_plain_data(student):
    got = student.shapes()
    assert got == {("k", 1): [1.5, None], "s": {1, 2}, "b": b"x"}
    assert type(got) is dict and type(got["s"]) is set

@pytest.mark.points(1, hint="")
def test_exceptions(student):
    with pytest.raises(student.NotFound) as caught:
        student.find("nobody")
    exc = caught.value
    assert isinstance(exc, student.ApiError) and isinstance(exc, LookupError)
    assert type(exc).__name__ == "NotFound" and type(exc).__module__ == "api"
    assert exc.status == 404 and exc.args == ("nobody", 404) and str(exc) == "no user nobody"
    with pytest.raises(ValueError, match="negative"):
        student.find(-1)

@pytest.mark.points(1, hint="")
def test_handles(student):
    stack = student.Stack()
    stack.push(1)
    stack.push((2, "two"))
    assert len(stack) == 2 and list(stack) == [1, (2, "two")] and 1 in stack
    assert stack.items[1] == (2, "two")
    assert stack == stack and stack != student.Stack()
    with pytest.raises(TypeError):
        bool(stack)
    assert student.always_equal() != 5

@pytest.mark.points(1, hint="")
def test_output(student):
    assert student.noisy() == 3
    assert student.noisy() == 3  # each call's output once: the sink is emptied between calls

@pytest.mark.points(1, hint="")
def test_loops(student):
    student.loop()

@pytest.mark.points(1, hint="")
def test_after_the_loop(student):
    assert student.find("ada") == {"name": "ada"}

@pytest.mark.points(1, hint="")
def test_dies(student):
    student.die()

@pytest.mark.points(1, hint="")
def test_location(student):
    student.find("nobody")

@pytest.mark.points(1, hint="")
def test_after_the_death(student, student_helper):
    spy = student_helper("import api\\ndef name():\\n    return api.__name__\\n")
    assert spy.name() == "api"
    counter = "count = 0\\ndef bump():\\n    global count\\n    count += 1\\n    return count\\n"
    assert student_helper(counter).bump() == 1
    assert student_helper(counter).bump() == 1  # compiled once, but a fresh module each time
    with pytest.raises(TypeError):
        student.find(lambda: 1)
"""

API = """
import os, sys

class ApiError(Exception):
    def __init__(self, message, status):
        super().__init__(message, status)
        self.status = status
        self._secret = object()
    def __str__(self):
        return "no user " + self.args[0]

class NotFound(ApiError, LookupError):
    pass

def shapes():
    return {("k", 1): [1.5, None], "s": {1, 2}, "b": b"x"}

def find(name):
    if name == -1:
        raise ValueError("negative")
    if name != "ada":
        raise NotFound(name, 404)
    return {"name": name}

class Stack:
    def __init__(self):
        self.items = []
    def push(self, item):
        self.items.append(item)
    def __len__(self):
        return len(self.items)
    def __iter__(self):
        return iter(self.items)
    def __contains__(self, item):
        return item in self.items

class Yes:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__

def always_equal():
    return Yes()

def noisy():
    print("to stdout")
    os.write(2, b"to stderr\\n")
    return 3

def loop():
    while True:
        pass

def die():
    os._exit(3)
"""


@pytest.mark.harness
def test_a_suite_across_the_process_boundary(tmp_path: Path) -> None:
    limits = "[limits]\ntest_timeout_s = 2\nsubmission_timeout_s = 30\n"
    config = f'kind = "module"\nfiles = ["api.py"]\n[grading]\nboundary = "process"\n{limits}'
    exercise_dir = write_exercise(tmp_path / "course", "98_api", config, {"grader/tests/test_api.py": SUITE})
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "api.py").write_text(textwrap.dedent(API))
    result = grade_folder(load_exercise(exercise_dir), submission, LocalSandbox())
    statuses = {t.id.split("::")[1]: (t.status, t.message) for t in result.tests}
    assert {name: status for name, (status, _) in statuses.items()} == {
        "test_plain_data": "passed",
        "test_exceptions": "passed",
        "test_handles": "passed",
        "test_output": "passed",
        "test_loops": "timeout",
        "test_after_the_loop": "passed",
        "test_dies": "failed",
        "test_location": "failed",
        "test_after_the_death": "passed",
    }, statuses
    assert "process ended" in statuses["test_dies"][1]
    output = next(t.output for t in result.tests if t.id.endswith("test_output"))
    assert output.count("to stdout") == 2 and output.count("to stderr") == 2, output
    assert statuses["test_location"][1] == "NotFound: no user nobody"
    location = next(t.location for t in result.tests if t.id.endswith("test_location"))
    assert location is not None and (location.file, location.line) == ("api.py", 22)


@pytest.mark.harness
def test_a_fresh_process_imports_the_module_again(tmp_path: Path) -> None:
    """After a crash the next test gets a fresh process; an import that fails there fails that test."""
    suite = "import pytest\n\n@pytest.mark.points(1, hint='')\ndef test_a(student):\n    student.die()\n\n"
    suite += "@pytest.mark.points(1, hint='')\ndef test_b(student):\n    assert student.ok() == 1\n"
    config = 'kind = "module"\nfiles = ["again.py"]\n[grading]\nboundary = "process"\n'
    exercise_dir = write_exercise(tmp_path / "course", "97_again", config, {"grader/tests/test_again.py": suite})
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "again.py").write_text(
        "import os\nmarker = os.path.join(os.environ['HOME'], 'imported')\n"
        "if os.path.exists(marker):\n    raise RuntimeError('imported twice')\nopen(marker, 'w').close()\n"
        "def die():\n    os._exit(1)\ndef ok():\n    return 1\n"
    )
    result = grade_folder(load_exercise(exercise_dir), submission, LocalSandbox())
    assert [(t.status, t.message) for t in result.tests] == [
        ("failed", "your code's process ended while it was running (os._exit, a crash, or killed, e.g. out of memory)"),
        ("failed", "Importing your module failed: RuntimeError: imported twice"),
    ]


#: A notebook as IPython runs it: magics and shell escapes, a failing cell, a cell that runs too
#: long, a top-level ``await``, ``%%writefile`` and a helper module named like the grader's files.
NOTEBOOK_CELLS = [
    "%load_ext autoreload\nimport asyncio\n!echo shell escapes are not run when grading",
    "%%writefile worker.py\ndef add(a, b):\n    return a + b\n",
    "from worker import add\nraise ValueError('this cell fails; the next one runs')",
    "while True:\n    pass",
    "async def _later(value):\n    await asyncio.sleep(0)\n    return value\nDONE = await _later('done')",
    "def slow():\n    %time x = 1\n    return DONE\ndef sub(a, b):\n    return a - b\n"
    "if __name__ == '__main__':\n    def shout(text):\n        return text.upper()",
    "%%bash\necho a cell magic is not run",
]


@pytest.mark.harness
def test_a_notebook_across_the_process_boundary(tmp_path: Path) -> None:
    exercise = demo_exercise(tmp_path, kind="notebook", boundary="process", cell_timeout_s=1, submission_timeout_s=30)
    result = grade_folder(exercise, notebook_submission(tmp_path, NOTEBOOK_CELLS), LocalSandbox())
    assert [(t.id.split("::")[1], t.status) for t in result.tests] == [
        ("test_add", "passed"),
        ("test_slow", "passed"),
        ("test_sub", "passed"),
        ("test_shout", "passed"),
    ], [(t.id, t.status, t.message) for t in result.tests]
    # The kernel's run gives the per-cell feedback (the markdown cell is index 0).
    statuses = {c.index: c.status for c in result.cells}
    assert statuses[3] == "error" and statuses[4] == "timeout", result.cells
    assert sorted(statuses) == list(range(1, len(NOTEBOOK_CELLS) + 1))
