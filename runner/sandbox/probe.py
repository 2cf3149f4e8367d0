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

PROBE_NAMES = {
    "test_runs_as_non_root": "student code runs as a non-root user",
    "test_has_no_capabilities": "student code has no capabilities",
    "test_has_no_network": "no network",
    "test_root_filesystem_is_read_only": "read-only root filesystem",
    "test_hidden_suite_is_gone_from_disk": "hidden tests removed from disk before student code runs",
    "test_student_module_imports": "the harness imports the submission",
}


def probe(sandbox: Sandbox) -> list[tuple[str, bool, str]]:
    """Run the probe job; one (check, ok, detail) row per promise."""
    request = RunRequest(
        kind="module",
        module="probe_submission",
        files={"probe_submission.py": b"ANSWER = 42\n"},
        suite={"test_probe.py": PROBE_SUITE},
        limits=Limits(submission_timeout_s=30),
    )
    outcome = sandbox.run(request)
    seen = {e.get("nodeid", "").split("::")[-1]: e for e in outcome.events if e.get("type") == "test"}
    rows = []
    for test, label in PROBE_NAMES.items():
        event = seen.get(test)
        if event is None:
            rows.append((label, False, "did not report"))
        else:
            rows.append((label, event.get("status") == "passed", str(event.get("message") or "ok")[:200]))
    rows.append(("run finished", outcome.exit is not None, f"{outcome.duration_s:.2f} s"))
    return rows
