"""The local backend: the same harness in a subprocess with resource limits. It does not isolate."""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time

from ..errors import SandboxFailed
from ..extras import require
from ..harness import SUPERVISOR
from . import HOST_GRACE_S, RunOutcome, RunRequest, diagnostics_tail, parse_supervisor_output

WARNING = (
    "the local backend does not isolate: the submission runs as you, with your files and network; "
    "only time, memory and file-size limits apply"
)


def fallback_notice(reason: str) -> str:
    """The one line ``--backend auto`` says when it grades without Docker: why, and what instead."""
    return f"{reason}, so this grades with --backend local ({WARNING}); --backend docker refuses instead"


class LocalSandbox:
    """Runs the harness with this Python; needs the exercise's packages installed here."""

    name = "local"
    isolated = False

    def image_id(self) -> str | None:
        return None

    def python_version(self) -> str | None:
        return platform.python_version()

    def close(self) -> None:
        """Nothing to stop: each run's subprocess ends with its run."""

    def run(self, request: RunRequest) -> RunOutcome:
        if request.kind == "notebook":
            require("local", "grading a notebook on the local backend")
        limits = request.limits
        # An address-space limit is a rough stand-in for a memory limit: the interpreter and
        # its threads reserve more than they use, hence the headroom.
        rlimits = {
            "as": limits.memory_mb * 4 * 1024 * 1024,
            "cpu": int(limits.submission_timeout_s) + 5,
            "fsize": 64 * 1024 * 1024,
        }
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="grade-local-") as work:
            config = request.supervisor_config(work, None, rlimits)
            try:
                done = subprocess.run(
                    [sys.executable, "-I", "-B", str(SUPERVISOR), config],
                    input=request.job_tar(),
                    capture_output=True,
                    timeout=limits.submission_timeout_s + HOST_GRACE_S,
                    env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
                )
            except subprocess.TimeoutExpired as exc:
                stdout, host_timed_out = exc.stdout or b"", True
                stderr = exc.stderr or b""
            except OSError as exc:
                raise SandboxFailed(f"cannot start the local harness: {exc}") from exc
            else:
                stdout, stderr, host_timed_out = done.stdout, done.stderr, False
        events, exit_record = parse_supervisor_output(stdout)
        return RunOutcome(
            events=tuple(events),
            exit=exit_record,
            duration_s=time.monotonic() - started,
            host_timed_out=host_timed_out,
            diagnostics=diagnostics_tail(stderr),
        )
