"""A self-test job: checks from inside a sandbox that its promises hold."""

from __future__ import annotations

from ..exercise import Limits
from . import RunRequest, Sandbox

PROBE_SUITE = b"""
import os, socket, pathlib

def test_runs_as_non_root():
    assert os.getuid() != 0 and os.getgid() != 0, f"uid {os.getuid()}"

def test_has_no_capabilities():
    status = pathlib.Path("/proc/self/status").read_text()
    eff = [l for l in status.splitlines() if l.startswith("CapEff:")][0].split()[1]
    assert int(eff, 16) == 0, f"CapEff {eff}"

def test_has_no_network():
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect(("1.1.1.1", 53))
        except OSError:
            return
    raise AssertionError("connected to 1.1.1.1")

def test_root_filesystem_is_read_only():
    try:
        open("/usr/grade-probe", "w")
    except OSError:
        return
    raise AssertionError("wrote /usr/grade-probe")

def test_hidden_suite_is_gone_from_disk():
    assert not any(pathlib.Path("/work/suite").rglob("*.py")), "test files still on disk"

def test_student_module_imports(student):
    assert student.ANSWER == 42
"""

#: The same promises across the process boundary, asked of the student process by the grader's.
BOUNDARY_SUBMISSION = b"""
import os

def can_open(path):
    try:
        open(path, "rb").close()
        return True
    except OSError:
        return False

def can_list(path):
    try:
        os.listdir(path)
        return True
    except OSError:
        return False

def ids():
    return (os.getuid(), os.getgid())

def environment():
    return sorted(os.environ)
"""

BOUNDARY_SUITE = b"""
import os

def test_grader_is_another_user(student):
    uid, gid = student.ids()
    assert 0 not in (uid, gid, os.getuid()) and os.getuid() != uid, f"grader {os.getuid()}, student {uid}"

def test_student_cannot_read_the_grader(student):
    assert not student.can_open("/work/grader/job.json"), "the student process read job.json"
    assert not student.can_list("/work/grader"), "the student process listed the grader's folder"

def test_student_environment_is_clean(student):
    names = student.environment()
    assert not [n for n in names if n.startswith("GRADER")], names
"""

BOUNDARY_NAMES = {
    "test_grader_is_another_user": "process boundary: the hidden tests run as another user",
    "test_student_cannot_read_the_grader": "process boundary: the student's code cannot read the job or suite",
    "test_student_environment_is_clean": "process boundary: the student's environment names nothing of the grader's",
}

PROBE_NAMES = {
    "test_runs_as_non_root": "student code runs as a non-root user",
    "test_has_no_capabilities": "student code has no capabilities",
    "test_has_no_network": "no network",
    "test_root_filesystem_is_read_only": "read-only root filesystem",
    "test_hidden_suite_is_gone_from_disk": "hidden tests removed from disk before student code runs",
    "test_student_module_imports": "the harness imports the submission",
}


def probe(sandbox: Sandbox) -> list[tuple[str, bool, str]]:
    """Run the probe jobs (the shared path, then the process boundary); one (check, ok, detail)
    row per promise."""
    shared = RunRequest(
        kind="module",
        module="probe_submission",
        files={"probe_submission.py": b"ANSWER = 42\n"},
        suite={"test_probe.py": PROBE_SUITE},
        limits=Limits(submission_timeout_s=30),
    )
    process = RunRequest(
        kind="module",
        module="probe_submission",
        files={"probe_submission.py": BOUNDARY_SUBMISSION},
        suite={"test_boundary_probe.py": BOUNDARY_SUITE},
        limits=Limits(submission_timeout_s=30),
        boundary="process",
    )
    return rows_of(sandbox, shared, PROBE_NAMES) + rows_of(sandbox, process, BOUNDARY_NAMES)


def rows_of(sandbox: Sandbox, request: RunRequest, names: dict[str, str]) -> list[tuple[str, bool, str]]:
    outcome = sandbox.run(request)
    seen = {e.get("nodeid", "").split("::")[-1]: e for e in outcome.events if e.get("type") == "test"}
    rows = []
    for test, label in names.items():
        event = seen.get(test)
        if event is None:
            rows.append((label, False, "did not report"))
        else:
            rows.append((label, event.get("status") == "passed", str(event.get("message") or "ok")[:200]))
    rows.append((f"run finished ({request.boundary})", outcome.exit is not None, f"{outcome.duration_s:.2f} s"))
    return rows
