"""16_testing, attacked: tests that tell the correct ``cart.py`` from the buggy copies by anything but
its behaviour, graded for real in Docker against the real exercise.

Each attack passes against the correct module and fails against every bug, so the grader before
issue 13 gave it full marks without it testing anything. Every one must now score 0: either its
tests pass against every bug (nothing caught), or they fail against one of the correct runs and the
gate counts nothing. A second group checks that no report ever shows a bug's code.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from runner.exercise import Exercise, load_exercise
from runner.grading import grade_folder
from runner.results import SubmissionResult

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = (ROOT / "exercises" / "16_testing" / "cart.py").read_bytes()


def first_run_only(folder: str) -> str:
    """A test that passes the first time it runs and fails afterwards, remembering it in ``folder``."""
    return f"""
import tempfile
from pathlib import Path

import cart


def test_runs_once():
    mark = Path({folder}) / ".cart-seen"
    first = not mark.exists()
    mark.write_text("seen")
    assert first
"""


ENV_FROM_A_FILE = """
import os
from pathlib import Path


def test_runs_once():
    seen = os.environ.get("CART_SEEN")
    (Path(__file__).parent / "conftest.py").write_text("import os\\nos.environ['CART_SEEN'] = '1'\\n")
    assert not seen
"""

KEEPER_PROCESS = """
import os
import socket
import time

NAME = "\\0cart-seen"


def seen_before():
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(NAME)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def keep_a_process():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.closerange(3, 4096)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(NAME)
            server.listen(8)
            while True:
                server.accept()[0].close()
        os._exit(0)
    time.sleep(0.3)


def test_runs_once():
    first = not seen_before()
    if first:
        keep_a_process()
    assert first
"""

SAME_HASH = f"""
import hashlib
from pathlib import Path

import cart


def test_is_the_public_module():
    assert hashlib.sha256(Path(cart.__file__).read_bytes()).hexdigest() == {hashlib.sha256(PUBLIC).hexdigest()!r}
"""

SAME_TREE = f"""
import ast
from pathlib import Path

import cart


def test_is_the_public_module():
    assert ast.dump(ast.parse(Path(cart.__file__).read_bytes())) == {ast.dump(ast.parse(PUBLIC))!r}
"""

SAME_PATH = """
from pathlib import Path

import cart

RECORD = Path("/tmp/.cart-path")


def test_module_stays_where_it_was():
    here = str(Path(cart.__file__).resolve())
    if not RECORD.exists():
        RECORD.write_text(here)
    assert RECORD.read_text() == here
"""

#: name -> (the source of the student's test_cart.py, how it is stopped): "apart" when no run can
#: learn anything from another (every run passes, nothing is caught), else the correct run it fails.
ATTACKS: dict[str, tuple[str, str]] = {
    "state in /tmp": (first_run_only('"/tmp"'), "apart"),
    "state in TMPDIR": (first_run_only("tempfile.gettempdir()"), "apart"),
    "state in HOME": (first_run_only("Path.home()"), "apart"),
    "state in the working folder": (first_run_only("Path(__file__).parent"), "apart"),
    "state in the job folder": (first_run_only('"/work/channel"'), "apart"),
    "state in /dev/shm": (first_run_only('"/dev/shm"'), "apart"),
    "state in an environment variable set from a file": (ENV_FROM_A_FILE, "apart"),
    "state in a process left running": (KEEPER_PROCESS, "apart"),
    "the module's hash": (SAME_HASH, "the correct implementation"),
    "the module's syntax tree": (SAME_TREE, "the correct implementation"),
    "the module's path": (SAME_PATH, "apart"),
}


@pytest.fixture(scope="module")
def testing_exercise() -> Exercise:
    return load_exercise(ROOT / "exercises" / "16_testing")


def grade(exercise: Exercise, tmp_path: Path, source: str, sandbox: Any) -> SubmissionResult:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "test_cart.py").write_text(source)
    started = time.monotonic()
    result = grade_folder(exercise, folder, sandbox)
    assert time.monotonic() - started < 300, "the grader must finish in bounded time"
    return result


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_tests_that_do_not_test_score_nothing(
    attack: str, tmp_path: Path, testing_exercise: Exercise, docker_sandbox: Any
) -> None:
    source, stopped = ATTACKS[attack]
    result = grade(testing_exercise, tmp_path, source, docker_sandbox)
    rows = [(t.id, t.status, t.message[:100]) for t in result.tests]
    assert result.status == "failed", f"{attack}: {result.status}: {result.message}"
    assert result.score == 0, f"{attack}: {result.message}: {rows}"
    gate = result.tests[0]
    if stopped == "apart":
        assert gate.status == "passed", f"{attack}: a run saw what an earlier one left: {gate.message}"
        assert all(t.message.startswith("survived") for t in result.tests[1:]), rows
    else:
        assert gate.status == "failed" and f"your tests fail against {stopped}" in result.message, result.message


def mutant_lines(exercise: Exercise) -> dict[str, list[str]]:
    """Each mutant's own lines: those its cart.py has and the public one does not."""
    public = PUBLIC.decode().splitlines()
    found: dict[str, list[str]] = {}
    for folder in sorted(p for p in (exercise.grader_path / "mutants").iterdir() if p.is_dir()):
        mutant = (folder / "cart.py").read_text().splitlines()
        diff = difflib.unified_diff(public, mutant, lineterm="", n=0)
        own = [line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++")]
        found[folder.name] = [line for line in own if len(line) > 12 and not line.startswith(('"""', "#"))]
    return found


LEAKY = """
from decimal import Decimal
from pathlib import Path

import pytest

import cart

SOURCE = Path(cart.__file__).read_text()


def behaves():
    twice = cart.Cart()
    twice.add("A", "20.00", 2)
    twice.add("A", "20.00")
    half = cart.Cart()
    half.add("B", "0.60")
    try:
        cart.parse_cart_line("AB-1 x 3 please")
        return False
    except ValueError:
        pass
    return twice.quantity("A") == 3 and half.tax() == Decimal("0.05")


BUGGY = not behaves()


@pytest.mark.parametrize("line", SOURCE.splitlines() if BUGGY else ["-"])
def test_shows_each_line(line):
    assert not BUGGY, line


def test_prints_the_module():
    print(SOURCE)
    assert not BUGGY, SOURCE


def test_raises_inside_the_module():
    if BUGGY:
        cart.to_cents(None)
"""


def test_no_report_shows_a_bugs_code(tmp_path: Path, testing_exercise: Exercise, docker_sandbox: Any) -> None:
    """Tests written to print, name and raise with each bug's source: the result names tests only."""
    result = grade(testing_exercise, tmp_path, LEAKY, docker_sandbox)
    caught = [t.id for t in result.tests if t.status == "passed" and t.id != "reference"]
    assert result.tests[0].status == "passed" and len(caught) >= 3, result.message
    everything = json.dumps(result.to_dict())
    for name, lines in mutant_lines(testing_exercise).items():
        for line in lines:
            assert line not in everything, f"the report shows a line of the mutant {name}: {line}"
    for test in result.tests:
        if test.id != "reference":
            assert test.output == "", f"{test.id}: a mutant run's output reached the report"
