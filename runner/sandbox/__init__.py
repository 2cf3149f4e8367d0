"""Stage 3: run a submission against a hidden suite somewhere isolated.

A :class:`Sandbox` takes a :class:`RunRequest` and returns a :class:`RunOutcome`. Backends:

- :class:`~runner.sandbox.docker.DockerSandbox`: a fresh locked-down container per run (the default);
- :class:`~runner.sandbox.local.LocalSandbox`: a subprocess with resource limits, no isolation;
- :class:`~runner.sandbox.fake.FakeSandbox`: scripted outcomes, for tests.

Every backend runs the same harness (``runner/harness``): the outcome holds the supervisor's
event stream, which is untrusted until the score stage has checked it.
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..exercise_toml import DEFAULT_BOUNDARY, Boundary, Limits
from ..harness import HARNESS_DIR, MUTATION, PLUGIN, WORKER
from ..untrusted import DIAGNOSTIC_CHARS

#: The image every submission runs in (``grade sandbox build`` makes it; ``--image`` overrides it).
DEFAULT_IMAGE = "grade-sandbox:latest"
#: Seconds the host waits past the supervisor's own wall time before it kills the run (every backend).
HOST_GRACE_S = 15.0

#: The harness's files, written by the supervisor before the job arrives (``remote.py``,
#: ``boundary.py`` and ``student.py`` serve ``boundary = "process"``: see runner/harness/remote.py;
#: ``mutation.py`` serves kind ``tests``; ``cells.py`` runs a notebook's cells in a kernel).
HARNESS_FILES = {
    "worker.py": WORKER.read_text(),
    "plugin.py": PLUGIN.read_text(),
    "mutation.py": MUTATION.read_text(),
    "pytest.ini": "[pytest]\n",
    **{name: (HARNESS_DIR / name).read_text() for name in ("remote.py", "boundary.py", "student.py", "cells.py")},
}
#: Who runs what in the container: the student's code as STUDENT_UID; under ``boundary = "process"``
#: the grader (pytest and the hidden suite) as GRADER_UID. Numeric: the image needs no entry for them.
STUDENT_UID = 1000
GRADER_UID = 1001

#: How much of the supervisor's stdout we read at most; it only relays bounded events.
MAX_SUPERVISOR_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RunRequest:
    """Everything one run needs: the submission's files, the hidden suite and the limits."""

    kind: str
    module: str | None
    files: dict[str, bytes]
    suite: dict[str, bytes]
    limits: Limits
    sentinel: str | None = None
    boundary: Boundary = DEFAULT_BOUNDARY

    def job(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "boundary": self.boundary,
            "sentinel": self.sentinel,
            "module": self.module,
            "files": sorted(self.files),
            "test_timeout_s": self.limits.test_timeout_s,
            "cell_timeout_s": self.limits.cell_timeout_s,
            "submission_timeout_s": self.limits.submission_timeout_s,
            "output_bytes": self.limits.output_kb * 1024,
        }

    def supervisor_config(
        self, workdir: str, uid: int | None, rlimits: dict[str, int] | None, scratch: tuple[str, ...] = ()
    ) -> str:
        return self.supervisor_config_for(self.kind, self.limits, workdir, uid, rlimits, scratch, self.boundary)

    @staticmethod
    def supervisor_config_for(
        kind: str,
        limits: Limits,
        workdir: str,
        uid: int | None,
        rlimits: dict[str, int] | None,
        scratch: tuple[str, ...] = (),
        boundary: Boundary = DEFAULT_BOUNDARY,
    ) -> str:
        """The supervisor's command-line configuration: the same for every run of an exercise.

        ``scratch``: shared writable folders that belong to this run alone (a container's own
        ``/tmp``), which the grader process may empty between the runs of a kind ``tests`` job."""
        return json.dumps(
            {
                "workdir": workdir,
                "kind": kind,
                "boundary": boundary,
                "harness": HARNESS_FILES,
                "uid": uid,
                "gid": uid,
                "grader_uid": GRADER_UID,
                "wall_s": limits.submission_timeout_s,
                "cell_timeout_s": limits.cell_timeout_s,
                "output_bytes": limits.output_kb * 1024,
                "rlimits": rlimits,
                "scratch": list(scratch),
            }
        )

    def job_tar(self) -> bytes:
        """The job as the supervisor reads it on stdin."""
        members = {
            "job.json": json.dumps(self.job()).encode(),
            **{f"submission/{name}": data for name, data in self.files.items()},
            **{f"suite/{name}": data for name, data in self.suite.items()},
        }
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


@dataclass(frozen=True)
class RunOutcome:
    """What came back: the relayed events, the supervisor's exit record and what the host saw."""

    events: tuple[dict[str, Any], ...]
    exit: dict[str, Any] | None
    duration_s: float
    oom_killed: bool = False
    host_timed_out: bool = False
    diagnostics: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Sandbox(Protocol):
    """A place to run a :class:`RunRequest`."""

    name: str
    """What runs the code, as results (``sandbox.backend``) and messages show it: ``docker``,
    ``local``, ``fake``, ``docker via celery``."""
    isolated: bool

    def image_id(self) -> str | None:
        """The identity of what runs the code (image id), if there is one."""

    def python_version(self) -> str | None:
        """The version of the Python that runs the code, as the host knows it (not as a run says)."""

    def run(self, request: RunRequest) -> RunOutcome:
        """Run one submission; a grader-side failure raises :class:`~runner.errors.InfraError`."""

    def close(self) -> None:
        """Stop whatever runs now and refuse new runs; a sandbox that holds nothing does nothing."""


@runtime_checkable
class Prestarting(Protocol):
    """A sandbox that can start what the next run needs ahead of it (a container, on another
    thread): :func:`prepare_for` calls it before the host collects the submission."""

    def prepare(self, kind: str, limits: Limits, boundary: Boundary) -> None:
        """Start, in the background, what a run of this shape needs; nothing if it is ready."""


def prepare_for(sandbox: Sandbox, kind: str, limits: Limits, boundary: Boundary) -> None:
    """Let ``sandbox`` start the next run's container now, if it can (:class:`Prestarting`)."""
    if isinstance(sandbox, Prestarting):
        sandbox.prepare(kind, limits, boundary)


class PerThread:
    """One sandbox per thread, made by ``factory`` on the thread's first use (a batch's or a
    ``grade worker``'s pool); :meth:`close` closes every one of them."""

    def __init__(self, factory: Callable[[], Sandbox]) -> None:
        self.factory = factory
        self.local = threading.local()
        self.made: list[Sandbox] = []
        self.lock = threading.Lock()

    def get(self) -> Sandbox:
        if not hasattr(self.local, "sandbox"):
            self.local.sandbox = self.factory()
            with self.lock:
                self.made.append(self.local.sandbox)
        return self.local.sandbox  # type: ignore[no-any-return]

    def close(self) -> None:
        with self.lock:
            made = list(self.made)
        for box in made:
            box.close()


def diagnostics_tail(stderr: bytes | str) -> str:
    """The end of what a run wrote on stderr, where its last words are: :data:`DIAGNOSTIC_CHARS` at most."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return text[-DIAGNOSTIC_CHARS:]


def parse_supervisor_output(data: bytes) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Split the supervisor's stdout into the grader process's events and its final exit record."""
    events: list[dict[str, Any]] = []
    exit_record: dict[str, Any] | None = None
    for line in data[:MAX_SUPERVISOR_BYTES].splitlines():
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(item, dict):
            continue
        if item.get("type") == "event" and isinstance(item.get("event"), dict):
            events.append(item["event"])
        elif item.get("type") == "exit":
            exit_record = item
    return events, exit_record
