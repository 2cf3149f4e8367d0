"""Notebooks across the process boundary (``[grading] boundary = "process"``), graded for real in Docker.

The kernel runs the cells for the student's per-cell feedback only; the hidden tests run in the
grader process against a namespace rebuilt from the cells' source in the student process. So a
notebook's own module names cannot collide with the grader's, nothing a cell does to the kernel
reaches the verdict, and a cell can find none of the grader's files. The demo exercise has four
hidden tests (add, slow, sub, shout); see tests/harness_cases.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.grading import grade_folder

from ..harness_cases import demo_exercise, notebook_submission
from .test_attacks import MODULE_ATTACKS, NOT_FOR_NOTEBOOKS

pytestmark = pytest.mark.docker

ALL = ("passed",) * 4
#: ``sub`` is wrong on purpose: a true verdict is not "everything passed".
WRONG_SUB = ("passed", "passed", "failed", "passed")

HELPER = "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a + b\n"
USES_HELPER = "from {module} import add, sub\n\ndef slow():\n    return 'done'\n\ndef shout(text):\n    return text.upper()"

#: name -> (cells, test statuses): honest notebooks whose names are the grader's own file names.
HONEST: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "a helper module named worker.py": (
        ["%%writefile worker.py\n" + HELPER, "import worker\nworker.add(1, 2)", USES_HELPER.format(module="worker")],
        WRONG_SUB,
    ),
    "a module named plugin, written from a cell": (
        ["from pathlib import Path\nPath('plugin.py').write_text(" + repr(HELPER) + ")", USES_HELPER.format(module="plugin")],
        WRONG_SUB,
    ),
    "pytest.main() on a file named test_basics.py": (
        [
            "from pathlib import Path\nPath('test_basics.py').write_text('def test_one():\\n    assert 1 + 1 == 2\\n')",
            "import pytest\nexit_code = pytest.main(['-q', '-p', 'no:cacheprovider', 'test_basics.py'])",
            "assert exit_code == 0\n" + HELPER + USES_HELPER.split("\n", 1)[1],
        ],
        WRONG_SUB,
    ),
}


@pytest.mark.parametrize("case", sorted(HONEST))
def test_honest_notebook_gets_its_true_verdict(case: str, tmp_path: Path, docker_sandbox: Any) -> None:
    cells, statuses = HONEST[case]
    exercise = demo_exercise(tmp_path, kind="notebook", boundary="process", cell_timeout_s=8, submission_timeout_s=30)
    result = grade_folder(exercise, notebook_submission(tmp_path, cells), docker_sandbox)
    assert result.status == "failed", (case, result.status, result.message)
    assert tuple(t.status for t in result.tests) == statuses, [(t.id, t.status, t.message[:120]) for t in result.tests]
    assert [c.status for c in result.cells] == ["ok"] * len(cells), result.cells


BROKEN = "def add(a, b):\n    return 0\n\ndef slow():\n    return 'not done'\n\ndef sub(a, b):\n    return 0\n\ndef shout(text):\n    return text"
GOOD_LINES = "def add(a, b):\n    return a + b\ndef slow():\n    return 'done'\ndef sub(a, b):\n    return a - b\ndef shout(text):\n    return text.upper()\n"
#: From the next cell on, the kernel runs every cell with correct functions appended: in the kernel
#: the names are right, in the cells' source they are not.
TRANSFORMER = f"def _append(lines):\n    return lines + ['\\n', *{GOOD_LINES.splitlines(keepends=True)!r}]\nget_ipython().input_transformers_cleanup.append(_append)"


def test_an_input_transformer_cannot_change_the_verdict(tmp_path: Path, docker_sandbox: Any) -> None:
    exercise = demo_exercise(tmp_path, kind="notebook", boundary="process", cell_timeout_s=4, submission_timeout_s=30)
    result = grade_folder(exercise, notebook_submission(tmp_path, [BROKEN, TRANSFORMER, "x = 1"]), docker_sandbox)
    assert (result.status, result.score) == ("failed", 0), (result.status, result.message)
    assert all(t.status == "failed" for t in result.tests), [(t.id, t.status, t.message[:80]) for t in result.tests]
    assert [c.status for c in result.cells] == ["ok", "ok", "ok"], result.cells


#: Looks for the grader's files where they live and where they used to live; anything found is
#: raised (so it would show in the cell's feedback) and breaks ``add``.
SNOOP = """
import glob, os
_found = []
for _pattern in ('/work/grader/*', '/work/grader/**/*', '/work/**/job.json', '/work/**/test_demo.py', '/work/**/plugin.py',
                 '/work/**/remote.py', '/work/**/worker.py', '/tmp/**/test_demo.py', '/tmp/**/job.json'):
    _found += glob.glob(_pattern, recursive=True)
for _path in ('/work/grader/job.json', '/work/job.json', '/work/grader/harness/plugin.py'):
    try:
        with open(_path) as _file:
            _found.append(_file.read(200))
    except OSError:
        pass
for _name in os.listdir('/proc'):
    try:
        with open(f'/proc/{_name}/environ', 'rb') as _file:
            if b'GRADER_' in _file.read():
                _found.append(f'environment of {_name}')
    except OSError:
        pass
"""


def test_a_cell_cannot_find_the_grader_or_the_job(tmp_path: Path, docker_sandbox: Any) -> None:
    cells = [GOOD_LINES, SNOOP + "if _found:\n    add = lambda a, b: 'the attack worked'\n    raise RuntimeError(repr(_found))"]
    exercise = demo_exercise(tmp_path, kind="notebook", boundary="process", cell_timeout_s=8, submission_timeout_s=30)
    result = grade_folder(exercise, notebook_submission(tmp_path, cells), docker_sandbox)
    assert (result.status, tuple(t.status for t in result.tests)) == ("passed", ALL), [
        (t.id, t.status, t.message[:120]) for t in result.tests
    ]
    assert [(c.status, c.error) for c in result.cells] == [("ok", None), ("ok", None)], result.cells


#: The module attacks of test_attacks.py again, as one notebook cell across the process boundary,
#: where the verdict differs from the module's (MODULE_ATTACKS). As for a module across the
#: boundary, a crash or a loop costs only the test that was running; as for a notebook, a cell
#: that loops or exits before its ``def``s leaves nothing defined, so every test fails; nothing
#: forged reaches the verdict. (The wall time is 20 s: the kernel boots beside the grading.)
NOTEBOOK_PROCESS_VERDICTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "infinite loop at import": ("failed", ("failed",) * 4),
    "infinite loop in one function": ("failed", ("passed", "timeout", "passed", "passed")),
    # The OOM killer takes the student process mid-test (`failed`), or the loop first meets the
    # per-call limit on a loaded machine (`timeout`): the other three tests pass either way.
    "memory exhaustion": ("resource_limit", None),
    "fork bomb": ("failed", None),
    "os._exit(0) at import": ("error", ("error",) * 4),
    "sys.exit() at import": ("failed", ("failed",) * 4),
    "os._exit(0) mid-test": ("failed", ("passed", "failed", "passed", "passed")),
    "writing the result channel": ("failed", ("failed",) * 4),  # no $GRADER_CHANNEL: the cell stops first
    "monkeypatching pytest's reporting": ("failed", ("failed", "passed", "passed", "passed")),
}
#: A second status some attacks may get, with the same test statuses (the engine's OOM report varies).
ALSO_ACCEPTED = {"memory exhaustion": "failed"}


@pytest.mark.parametrize("attack", sorted(set(MODULE_ATTACKS) - NOT_FOR_NOTEBOOKS))
def test_module_attack_as_a_notebook_cell_across_the_process_boundary(
    attack: str, tmp_path: Path, docker_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADE_TEST_SECRET", "hunter2")
    source, status, statuses = MODULE_ATTACKS[attack]
    status, statuses = NOTEBOOK_PROCESS_VERDICTS.get(attack, (status, statuses))
    exercise = demo_exercise(tmp_path, kind="notebook", boundary="process", cell_timeout_s=2, submission_timeout_s=20)
    result = grade_folder(exercise, notebook_submission(tmp_path, [source]), docker_sandbox)
    assert result.status in (status, ALSO_ACCEPTED.get(attack, status)), f"{attack}: {result.status}: {result.message}"
    if statuses is not None:
        assert tuple(t.status for t in result.tests) == statuses, [(t.id, t.status, t.message[:80]) for t in result.tests]
    if attack == "memory exhaustion":
        assert [t.status for t in result.tests if not t.id.endswith("test_slow")] == ["passed"] * 3, result.tests
    assert "hunter2" not in result.output and all("hunter2" not in t.output for t in result.tests)
