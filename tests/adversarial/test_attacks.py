"""One hostile submission per attack, graded for real in Docker, each with the verdict it must get.

Most attacks are written as sabotage: the submission is correct, but if the attack succeeds it
breaks ``add`` (or ``slow``), so a ``passed`` verdict proves the attack failed. The demo
exercise has four hidden tests (add, slow, sub, shout), 2 s per test and 8 s per submission.
See docs/security.md for the threat model.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from runner.batch import discover, grade_batch
from runner.exercise import Exercise
from runner.grading import grade_folder
from runner.sandbox.docker import DockerSandbox, leftover_containers

from ..harness_cases import GOOD, demo_exercise, module_submission, notebook_submission

pytestmark = pytest.mark.docker


def grader_temp_folders() -> set[Path]:
    temp = Path(tempfile.gettempdir())
    return {p for prefix in ("grade-batch-", "grade-local-", "grade-build-") for p in temp.glob(prefix + "*")}


#: What other processes left before these tests ran; only new leftovers count.
TEMP_BEFORE = grader_temp_folders()

#: Where a hidden file could be put: the writable and usual data places (walking /proc, /sys or
#: the image's site-packages would take longer than a test may).
SEARCH = "import glob\ndef _find(pattern):\n    return [p for top in ('/work', '/tmp', '/home', '/root', '/srv', '/var', '/mnt', '/run') for p in glob.glob(top + '/**/' + pattern, recursive=True)]"

#: Breaks ``add`` when the expression is true, i.e. when the attack worked.
SABOTAGE = "\nif {condition}:\n    add = lambda a, b: 'the attack worked'\n"


def sabotage(setup: str, condition: str) -> str:
    return setup + "\n" + GOOD + SABOTAGE.format(condition=condition)


def in_slow(body: str) -> str:
    return GOOD.replace('return "done"', body.replace("\n", "\n    ") + '\n    return "done"')


ALL = ("passed",) * 4
#: name -> (source of demo.py, expected status, expected test statuses or None for "not checked")
MODULE_ATTACKS: dict[str, tuple[str, str, tuple[str, ...] | None]] = {
    "infinite loop at import": ("while True:\n    pass\n" + GOOD, "timeout", ("timeout",) * 4),
    "infinite loop in one function": (in_slow("while True:\n    pass"), "failed", ("passed", "timeout", "passed", "passed")),
    "memory exhaustion": (in_slow("hog = []\nwhile True:\n    hog.append(bytearray(64 * 2**20))"), "resource_limit", None),
    "fork bomb": (
        in_slow("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
        "timeout",
        None,
    ),
    "thread bomb": (
        in_slow("import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()"),
        "failed",
        ("passed", "failed", "passed", "passed"),
    ),
    "filling the disk": (
        in_slow(
            "import os\nfor folder in ('/tmp', '/work/submission', '/work'):\n    try:\n        with open(os.path.join(folder, 'fill'), 'wb') as f:\n            while True:\n                f.write(b'x' * 2**20)\n    except OSError:\n        pass\nfor folder in ('/tmp', '/work/submission', '/work'):\n    try:\n        os.remove(os.path.join(folder, 'fill'))\n    except OSError:\n        pass"
        ),
        "passed",
        ALL,
    ),
    # pytest captures a test's output in /tmp, a 64 MiB tmpfs: the flooding test fails, the rest pass.
    "1 GB to stdout": (
        in_slow("import os\nfor _ in range(1024):\n    os.write(1, b'x' * 2**20)"),
        "failed",
        ("passed", "failed", "passed", "passed"),
    ),
    "network connection": (
        sabotage(
            "import socket\ndef _reach(host, port):\n    try:\n        socket.create_connection((host, port), timeout=2).close()\n        return True\n    except OSError:\n        return False",
            "_reach('1.1.1.1', 53) or _reach('deb.debian.org', 80) or _reach('172.17.0.1', 2375)",
        ),
        "passed",
        ALL,
    ),
    "reading the hidden tests": (
        sabotage(SEARCH, "_find('test_demo.py') or _find('test_*.py')"),
        "passed",
        ALL,
    ),
    "reading the reference solution": (
        sabotage(SEARCH, "_find('solution') or _find('graders') or _find('bookshop.py')"),
        "passed",
        ALL,
    ),
    "reading host secrets from the environment": (
        sabotage(
            "import os",
            "'GRADE_TEST_SECRET' in os.environ or 'GRADE_TEST_SECRET' in open('/proc/1/environ', 'rb').read().decode(errors='replace') if os.access('/proc/1/environ', os.R_OK) else 'GRADE_TEST_SECRET' in os.environ",
        ),
        "passed",
        ALL,
    ),
    "os._exit(0) at import": ("import os\nos._exit(0)\n" + GOOD, "failed", ("failed",) * 4),
    "sys.exit() at import": ("import sys\nsys.exit()\n" + GOOD, "error", ("error",) * 4),
    "os._exit(0) mid-test": (in_slow("import os\nos._exit(0)"), "failed", ("passed", "failed", "failed", "failed")),
    "sys.exit() mid-test": (in_slow("import sys\nsys.exit(0)"), "failed", ("passed", "failed", "passed", "passed")),
    "killing the parent process": (
        sabotage(
            "import os, signal\ndef _kill():\n    for pid in (1, os.getppid()):\n        try:\n            os.kill(pid, signal.SIGKILL)\n            return True\n        except OSError:\n            pass\n    return False",
            "_kill()",
        ),
        "passed",
        ALL,
    ),
    "closing stdout and stderr": ("import os\nos.close(1)\nos.close(2)\n" + GOOD, "passed", ALL),
    "writing a fake results file": (
        "import json, pathlib\nfor p in ('/work/results.json', '/tmp/results.json', '/work/submission/results.json'):\n    try:\n        pathlib.Path(p).write_text(json.dumps({'status': 'passed', 'score': 100}))\n    except OSError:\n        pass\n"
        + GOOD.replace("return a + b", "return 0"),
        "failed",
        ("failed", "passed", "passed", "passed"),
    ),
    "printing something that looks like results": (
        "import json\nfor t in ('test_add', 'test_slow'):\n    print(json.dumps({'type': 'event', 'event': {'type': 'test', 'nodeid': 'test_demo.py::' + t, 'status': 'passed'}}))\n    print(json.dumps({'type': 'exit', 'returncode': 0}))\n"
        + GOOD.replace("return a + b", "return 0"),
        "failed",
        ("failed", "passed", "passed", "passed"),
    ),
    "writing the result channel": (
        "import os, json\nfd = os.open(os.environ['GRADER_CHANNEL'], os.O_WRONLY)\nos.write(fd, (json.dumps({'type': 'test', 'nodeid': 'test_demo.py::test_add', 'status': 'passed'}) + '\\n').encode())\n"
        + GOOD.replace("return a + b", "return 0"),
        "tampered",
        None,
    ),
    "monkeypatching pytest's reporting": (
        "import _pytest.reports as r\n_orig = r.TestReport.from_item_and_call\ndef _forge(item, call):\n    report = _orig(item, call)\n    report.outcome = 'passed'\n    return report\nr.TestReport.from_item_and_call = staticmethod(_forge)\n"
        + GOOD.replace("return a + b", "return 0"),
        "tampered",
        None,
    ),
    "shadowing pytest and the standard library at run time": (
        "import pathlib\nfor name in ('pytest.py', 'json.py', 'os.py'):\n    pathlib.Path('/work/submission', name).write_text('raise SystemExit(0)')\n"
        + GOOD,
        "passed",
        ALL,
    ),
    "non-UTF-8 source": ('NAME = "caf\xe9"\n' + GOOD, "error", ("error",) * 4),
}


def assert_verdict(
    attack: str, exercise: Exercise, folder: Path, sandbox: Any, status: str, statuses: tuple[str, ...] | None
) -> None:
    """Grade ``folder`` and check the verdict, in bounded time; a forged run scores nothing."""
    started = time.monotonic()
    result = grade_folder(exercise, folder, sandbox)
    assert time.monotonic() - started < 40, "the grader must finish in bounded time"
    assert result.status == status, f"{attack}: {result.status}: {result.message}"
    if statuses is not None:
        assert tuple(t.status for t in result.tests) == statuses, [(t.id, t.status, t.message[:80]) for t in result.tests]
    if status == "tampered":
        assert result.score == 0


@pytest.mark.parametrize("attack", sorted(MODULE_ATTACKS))
def test_module_attack(attack: str, tmp_path: Path, docker_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_TEST_SECRET", "hunter2")
    source, status, statuses = MODULE_ATTACKS[attack]
    folder = tmp_path / "submissions" / "student"
    folder.mkdir(parents=True)
    (folder / "demo.py").write_bytes(source.encode("latin-1") if attack == "non-UTF-8 source" else source.encode())
    assert_verdict(attack, demo_exercise(tmp_path), folder, docker_sandbox, status, statuses)


def test_files_shipped_beside_the_submission_are_ignored(tmp_path: Path, docker_sandbox: Any) -> None:
    folder = module_submission(tmp_path, GOOD.replace("return a + b", "return 0"))
    forged = "import pytest\n@pytest.hookimpl(wrapper=True)\ndef pytest_runtest_makereport(item, call):\n    r = yield\n    r.outcome = 'passed'\n    return r\n"
    (folder / "conftest.py").write_text(forged)
    (folder / "sitecustomize.py").write_text("import builtins; builtins.FORGED = True\n")
    (folder / "usercustomize.py").write_text("import builtins; builtins.FORGED = True\n")
    (folder / "evil.pth").write_text("import builtins; builtins.FORGED = True\n")
    (folder / "pytest.py").write_text("raise SystemExit(0)\n")
    (folder / "json.py").write_text("raise SystemExit(0)\n")
    result = grade_folder(demo_exercise(tmp_path), folder, docker_sandbox)
    assert result.status == "failed"
    assert [t.status for t in result.tests] == ["failed", "passed", "passed", "passed"]


NOTEBOOK_GOOD = [
    "def add(a, b):\n    return a + b",
    "def slow():\n    return 'done'\ndef sub(a, b):\n    return a - b\ndef shout(t):\n    return t.upper()",
]
NOTEBOOK_ATTACKS: dict[str, tuple[list[str], str, tuple[str, ...] | None]] = {
    "infinite loop in a cell": (["while True:\n    pass", *NOTEBOOK_GOOD], "passed", ALL),
    "memory exhaustion in a cell": (
        ["hog = []\nwhile True:\n    hog.append(bytearray(64 * 2**20))", *NOTEBOOK_GOOD],
        "resource_limit",
        None,
    ),
    "reading the hidden tests from a cell": (
        [
            *NOTEBOOK_GOOD,
            "import glob\nif glob.glob('/work/**/test_demo.py', recursive=True) or glob.glob('/tmp/**/test_demo.py', recursive=True):\n    add = lambda a, b: 'the attack worked'",
        ],
        "passed",
        ALL,
    ),
    "os._exit(0) in a cell": ([*NOTEBOOK_GOOD, "import os\nos._exit(0)"], "failed", ("failed",) * 4),
    "monkeypatching pytest in the kernel": (
        [
            NOTEBOOK_GOOD[0].replace("a + b", "0"),
            NOTEBOOK_GOOD[1],
            "import _pytest.reports as r\n_orig = r.TestReport.from_item_and_call\ndef _forge(item, call):\n    rep = _orig(item, call)\n    rep.outcome = 'passed'\n    return rep\nr.TestReport.from_item_and_call = staticmethod(_forge)",
        ],
        "tampered",
        None,
    ),
}


@pytest.mark.parametrize("attack", sorted(NOTEBOOK_ATTACKS))
def test_notebook_attack(attack: str, tmp_path: Path, docker_sandbox: Any) -> None:
    cells, status, statuses = NOTEBOOK_ATTACKS[attack]
    exercise = demo_exercise(tmp_path, kind="notebook", cell_timeout_s=1, memory_mb=256)
    started = time.monotonic()
    result = grade_folder(exercise, notebook_submission(tmp_path, cells), docker_sandbox)
    assert time.monotonic() - started < 40
    assert result.status == status, f"{attack}: {result.status}: {result.message}"
    if statuses is not None:
        assert tuple(t.status for t in result.tests) == statuses, [(t.id, t.status, t.message[:80]) for t in result.tests]


def test_notebook_with_a_huge_output_or_invalid_json_is_an_error_row(tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path, kind="notebook")
    folder = tmp_path / "subs"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", text="y" * 8 * 2**20)])]
    nbformat.write(nb, folder / "huge.ipynb")
    (folder / "broken.ipynb").write_text('{"cells": [')
    entries = grade_batch(exercise, discover(folder, exercise), DockerSandbox, jobs=2, cache=None)
    by_id = {e.item.student: e.result for e in entries}
    assert by_id["huge"].status == "error" and "bytes" in by_id["huge"].message
    assert by_id["broken"].status == "error" and "invalid JSON" in by_id["broken"].message


def test_hostile_archives_and_names_in_a_batch(tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path)
    folder = tmp_path / "subs"
    folder.mkdir()
    with zipfile.ZipFile(folder / "slip.zip", "w") as z:
        z.writestr("../../demo.py", GOOD)
    with zipfile.ZipFile(folder / "link.zip", "w") as z:
        info = zipfile.ZipInfo("demo.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with zipfile.ZipFile(folder / "device.zip", "w") as z:
        info = zipfile.ZipInfo("demo.py")
        info.external_attr = (stat.S_IFCHR | 0o666) << 16
        z.writestr(info, "")
    with zipfile.ZipFile(folder / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as z, z.open("demo.py", "w") as member:
        chunk = b"\0" * 2**20
        for _ in range(1024):
            member.write(chunk)
    assert (folder / "bomb.zip").stat().st_size < 5 * 2**20, "a 1 GB zip bomb, a few MB on disk"
    odd = "semi;colon $(touch pwned) `id`\nnewline"
    (folder / odd).mkdir()
    (folder / odd / "demo.py").write_text(GOOD)
    (folder / "peeker").mkdir()
    (folder / "peeker" / "demo.py").write_text(
        sabotage(
            "import glob",
            "[p for top in ('/work', '/tmp', '/home', '/mnt') for p in glob.glob(top + '/**/demo.py', recursive=True) if p != '/work/submission/demo.py']",
        )
    )
    os.mkfifo(folder / "fifo.py")
    started = time.monotonic()
    entries = grade_batch(exercise, discover(folder, exercise), DockerSandbox, jobs=2, cache=None)
    assert time.monotonic() - started < 120
    by_id = {e.item.student: e.result for e in entries}
    assert {k: v.status for k, v in by_id.items()} == {
        "slip": "error",
        "link": "error",
        "device": "error",
        "bomb": "error",
        odd.replace("\n", " "): "passed",  # an id is one clean line
        "peeker": "passed",
        "fifo": "error",
    }, {k: v.message for k, v in by_id.items()}
    assert not (tmp_path / "demo.py").exists() and not Path("pwned").exists()


def test_engine_that_dies_mid_batch_loses_nothing(tmp_path: Path, docker_sandbox: Any) -> None:
    """A sandbox whose engine fails for one submission: that row is an infra_error, the others are graded."""
    from runner.errors import SandboxFailed
    from runner.sandbox import RunOutcome, RunRequest

    class Flaky:
        name, isolated = "docker", True

        def __init__(self) -> None:
            self.real = DockerSandbox()

        def image_id(self) -> str | None:
            return self.real.image_id()

        def python_version(self) -> str | None:
            return self.real.python_version()

        def run(self, request: RunRequest) -> RunOutcome:
            if b"# die" in request.files["demo.py"]:
                raise SandboxFailed("the Docker engine failed while grading: connection refused")
            return self.real.run(request)

        def close(self) -> None:
            self.real.close()

    exercise = demo_exercise(tmp_path)
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, source in {"a": GOOD, "b": "# die\n" + GOOD, "c": GOOD.replace("a + b", "a")}.items():
        (folder / f"{name}.py").write_text(source)
    flaky = Flaky()
    entries = grade_batch(exercise, discover(folder, exercise), lambda: flaky, jobs=1, cache=None)
    assert {e.item.student: e.result.status for e in entries} == {"a": "passed", "b": "infra_error", "c": "failed"}
    assert "engine" in next(e.result.message for e in entries if e.item.student == "b")


def test_no_container_or_temp_folder_is_left_behind_after_the_attacks(docker_sandbox: Any) -> None:
    assert leftover_containers(docker_sandbox.engine, settle_s=20) == []
    assert grader_temp_folders() <= TEMP_BEFORE, "the grader left temporary folders behind"


#: The module attacks again, as one notebook cell, where the verdict differs from the module's.
#: A cell that loops or exits before its ``def``s leaves nothing defined, so every test fails;
#: IPython turns ``sys.exit()`` into a cell error; the kernel runs as the same user as the grader process
#: that drives it, so killing its parent ends the run and loses the student every test.
NOTEBOOK_VERDICTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "infinite loop at import": ("failed", ("failed",) * 4),
    "sys.exit() at import": ("failed", ("failed",) * 4),
    "killing the parent process": ("failed", ("failed",) * 4),
}
NOT_FOR_NOTEBOOKS = {"non-UTF-8 source"}  # a notebook is JSON text: see the invalid-notebook test


@pytest.mark.parametrize("attack", sorted(set(MODULE_ATTACKS) - NOT_FOR_NOTEBOOKS))
def test_module_attack_as_a_notebook_cell(
    attack: str, tmp_path: Path, docker_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADE_TEST_SECRET", "hunter2")
    source, status, statuses = MODULE_ATTACKS[attack]
    status, statuses = NOTEBOOK_VERDICTS.get(attack, (status, statuses))
    exercise = demo_exercise(tmp_path, kind="notebook", cell_timeout_s=2)
    assert_verdict(attack, exercise, notebook_submission(tmp_path, [source]), docker_sandbox, status, statuses)


# --- The process boundary (exercise.toml: [grading] boundary = "process") ------------------------

#: The module attacks again, with the hidden tests and the student's code in two processes, where
#: the verdict differs from the shared path's. Every difference is the boundary at work, never a
#: forged mark: a student process that dies, loops past the per-call limit or exits is replaced by a
#: fresh one, so only the test that was running loses (the shared path loses every test after it);
#: an import that ends the process is an import error; a forgery cannot reach pytest, so it is no
#: longer caught as ``tampered`` but simply fails the tests it broke.
PROCESS_VERDICTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    # The kernel's OOM killer takes the student process (the biggest), and a fresh one answers the
    # next tests; whether the engine then reports the container as OOM-killed varies from run to
    # run, so the status may be resource_limit (see ALSO_ACCEPTED).
    "memory exhaustion": ("failed", ("passed", "failed", "passed", "passed")),
    "os._exit(0) at import": ("error", ("error",) * 4),
    "os._exit(0) mid-test": ("failed", ("passed", "failed", "passed", "passed")),
    "fork bomb": ("failed", None),
    "writing the result channel": ("error", ("error",) * 4),  # no $GRADER_CHANNEL: the import fails
    "monkeypatching pytest's reporting": ("failed", ("failed", "passed", "passed", "passed")),
}


@pytest.mark.parametrize("attack", sorted(MODULE_ATTACKS))
def test_module_attack_across_the_process_boundary(
    attack: str, tmp_path: Path, docker_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADE_TEST_SECRET", "hunter2")
    source, status, statuses = MODULE_ATTACKS[attack]
    status, statuses = PROCESS_VERDICTS.get(attack, (status, statuses))
    folder = tmp_path / "submissions" / "student"
    folder.mkdir(parents=True)
    (folder / "demo.py").write_bytes(source.encode("latin-1") if attack == "non-UTF-8 source" else source.encode())
    exercise = demo_exercise(tmp_path, boundary="process")
    if attack in ALSO_ACCEPTED:
        result = grade_folder(exercise, folder, docker_sandbox)
        assert result.status in (status, ALSO_ACCEPTED[attack]), f"{attack}: {result.status}: {result.message}"
        assert tuple(t.status for t in result.tests) == statuses
        return
    assert_verdict(attack, exercise, folder, docker_sandbox, status, statuses)


#: A second status some attacks may get across the process boundary, with the same test statuses.
ALSO_ACCEPTED = {"memory exhaustion": "resource_limit"}


#: Every attack below breaks all four functions, so full marks can only come from the attack.
BROKEN = """
def add(a, b):
    return 0

def slow():
    return "not done"

def sub(a, b):
    return 0

def shout(text):
    return text
"""
FORGE_ALL_BUT = """
import _pytest.reports as _reports
_original = _reports.TestReport.from_item_and_call
def _forge(item, call):
    report = _original(item, call)
    if not _is_sentinel(item.nodeid):
        report.outcome = "passed"
    return report
_reports.TestReport.from_item_and_call = staticmethod(_forge)
"""
#: Attacks of issue 13 that win full marks when the hidden tests share the student's process, and
#: that the process boundary defeats (the student process can see neither the sentinel, nor the
#: channel, nor pytest, and what it returns is rebuilt as data or held as a handle).
NEW_ATTACKS: dict[str, str] = {
    "reading the sentinel id from a file": (
        "import json, os\n_here = os.path.dirname(os.path.abspath(__file__))\n_ids = []\n"
        "for _path in (os.path.join(os.path.dirname(_here), 'job.json'), '/work/grader/job.json', '/work/job.json'):\n"
        "    try:\n        _ids.append(json.load(open(_path))['sentinel'])\n    except (OSError, ValueError, KeyError):\n        pass\n"
        "def _is_sentinel(nodeid):\n    return not _ids or nodeid in _ids\n" + FORGE_ALL_BUT + BROKEN
    ),
    "writing the result channel": (
        "import json, os\n"
        "def _forge():\n"
        "    here = os.path.dirname(os.path.abspath(__file__))\n"
        "    sentinel = json.load(open(os.path.join(os.path.dirname(here), 'job.json')))['sentinel']\n"
        "    fd = os.open(os.environ['GRADER_CHANNEL'], os.O_WRONLY)\n"
        "    for name in ('test_add', 'test_slow', 'test_sub', 'test_shout'):\n"
        "        event = {'type': 'test', 'nodeid': 'test_demo.py::' + name, 'status': 'passed', 'message': '', 'output': '', 'duration_s': 0.01, 'location': None}\n"
        "        os.write(fd, (json.dumps(event) + '\\n').encode())\n"
        "    event = {'type': 'test', 'nodeid': sentinel, 'status': 'failed', 'message': 'assert False', 'output': '', 'duration_s': 0.01, 'location': None}\n"
        "    os.write(fd, (json.dumps(event) + '\\n').encode() + b'{\"type\": \"done\"}\\n')\n"
        "    os._exit(0)\n"
        "try:\n    _forge()\nexcept (OSError, ValueError, KeyError):\n    pass\n" + BROKEN
    ),
    "patching pytest's reports, sparing the sentinel by its shape": (
        "import re\n"
        "def _is_sentinel(nodeid):\n    return re.fullmatch(r'test_[0-9a-f]{16}\\.py::test_[0-9a-f]{16}', nodeid) is not None\n"
        + FORGE_ALL_BUT
        + BROKEN
    ),
    "an object whose __eq__ is always True": (
        "class _Yes:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n        return False\n"
        "    __hash__ = object.__hash__\n"
        "def add(a, b):\n    return _Yes()\ndef slow():\n    return _Yes()\ndef sub(a, b):\n    return _Yes()\ndef shout(text):\n    return _Yes()\n"
    ),
    "an object that raises in __eq__ and __repr__": (
        "import sys\n"
        "class _Forge(Exception):\n"
        "    def __str__(self):\n"
        "        frame = sys._getframe(1)\n"
        "        while frame is not None:\n"
        "            record = frame.f_locals.get('record')\n"
        "            if isinstance(record, dict) and 'status' in record:\n"
        "                record['status'] = 'passed'\n"
        "            frame = frame.f_back\n"
        "        return ''\n"
        "class _Trap:\n    def __eq__(self, other):\n        raise _Forge()\n    def __repr__(self):\n        raise _Forge()\n"
        "    __hash__ = object.__hash__\n"
        "def add(a, b):\n    return _Trap()\ndef slow():\n    return _Trap()\ndef sub(a, b):\n    return _Trap()\ndef shout(text):\n    return _Trap()\n"
    ),
}


#: The sentinel is now shaped like the suite's own tests (a random name made of their words, in one
#: of their files), so recognising it by the old shape forges it too, and is caught even on the
#: shared path. Recognising it from memory still works there: that is what the boundary is for.
CAUGHT_ON_THE_SHARED_PATH = {"patching pytest's reports, sparing the sentinel by its shape"}


@pytest.mark.parametrize("attack", sorted(NEW_ATTACKS))
def test_new_attack_forges_full_marks_on_the_shared_path(attack: str, tmp_path: Path, docker_sandbox: Any) -> None:
    """Why the boundary exists: each of these wins full marks, unflagged, in one shared process."""
    folder = module_submission(tmp_path, NEW_ATTACKS[attack])
    result = grade_folder(demo_exercise(tmp_path), folder, docker_sandbox)
    expected = ("tampered", 0) if attack in CAUGHT_ON_THE_SHARED_PATH else ("passed", result.max_score)
    assert (result.status, result.score) == expected, (attack, result.status, result.message)


@pytest.mark.parametrize("attack", sorted(NEW_ATTACKS))
def test_new_attack_is_defeated_across_the_process_boundary(attack: str, tmp_path: Path, docker_sandbox: Any) -> None:
    folder = module_submission(tmp_path, NEW_ATTACKS[attack])
    result = grade_folder(demo_exercise(tmp_path, boundary="process"), folder, docker_sandbox)
    assert result.status == "failed" and result.score == 0, (attack, result.status, [(t.id, t.status) for t in result.tests])
    assert all(t.status == "failed" for t in result.tests), [(t.id, t.status, t.message[:80]) for t in result.tests]


#: Attacks on the boundary itself: what the student process sends is data, and a broken protocol
#: costs the student, never the grader (no exit 3, no skipped or passed test it did not earn).
BOUNDARY_ATTACKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "garbage on the boundary's socket": (
        "import os, sys\nos.write(int(sys.argv[1]), b'\\x00\\x00\\x00\\x07garbage')\n" + GOOD,
        "error",
        ("error",) * 4,
    ),
    "answers sent ahead for the next requests": (
        "import json, os, struct, sys\n"
        "for n in range(2, 40):\n"
        "    data = json.dumps({'id': n, 'ok': 5, 'out': ''}).encode()\n"
        "    os.write(int(sys.argv[1]), struct.pack('>I', len(data)) + data)\n" + BROKEN,
        "error",
        ("error",) * 4,
    ),
    "KeyboardInterrupt from a call": (GOOD.replace("return a + b", "raise KeyboardInterrupt"), "failed", ("failed", *ALL[1:])),
    "pytest.skip() from a call": (
        GOOD.replace("return a + b", "import pytest\n    pytest.skip('nothing to see')"),
        "failed",
        ("failed", *ALL[1:]),
    ),
}


@pytest.mark.parametrize("attack", sorted(BOUNDARY_ATTACKS))
def test_attack_on_the_boundary_itself(attack: str, tmp_path: Path, docker_sandbox: Any) -> None:
    source, status, statuses = BOUNDARY_ATTACKS[attack]
    folder = module_submission(tmp_path, source)
    assert_verdict(attack, demo_exercise(tmp_path, boundary="process"), folder, docker_sandbox, status, statuses)
