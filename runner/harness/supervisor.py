"""The sandbox's first process: unpack the job, run the worker unprivileged, relay its events.

Run as ``python -I supervisor.py CONFIG_JSON`` (or with ``-c`` and the source) with the job tar on
stdin. CONFIG_JSON keys: ``workdir``, ``kind``, ``harness`` (file name -> source of the worker's
files), ``uid``/``gid`` (null: stay as we are), ``grader_uid`` (the grader's user under
``boundary = "process"``), ``boundary``, ``wall_s``, ``output_bytes``, ``rlimits`` (local
backend: ``{"as": bytes, "cpu": s, "fsize": bytes}``), ``scratch`` (folders that belong to this run
alone, passed on to the worker as ``$GRADER_SCRATCH``).

``boundary = "shared"``: one worker (uid ``uid``) runs pytest, the hidden suite and the student's
code in one process; events come through a FIFO. ``boundary = "process"``: see :class:`Boundary`.

Everything this process writes to stdout is one JSON object per line: the worker's events as they
arrive, then one ``{"type": "exit", ...}`` line. Only this process can write there: the worker's
own stdout and stderr are a pipe read back here and kept up to ``output_bytes``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

MAX_JOB_BYTES = 256 * 1024 * 1024
MAX_EVENT_BYTES = 1024 * 1024
MAX_EVENTS = 10_000
#: What the relayed events may take on stdout, measured as written (after JSON encoding, which can
#: grow a line sixfold). The engine's log driver re-escapes each line (at most twice the size) and
#: rotates at 80 MiB: staying far below means the head of the stream is never lost. An honest
#: run writes a few MiB at most; past this, events are rejected (and the run is not trusted).
MAX_EMITTED_BYTES = 8 * 1024 * 1024
EVENT_TYPES = {"collected", "test", "cell", "collect_error", "done"}


def encode(obj: dict[str, Any]) -> str:
    """One stdout line; ASCII only, so nothing (not even a lone surrogate) can fail to write."""
    return json.dumps(obj, ensure_ascii=True) + "\n"


def emit(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


def unpack(data: bytes, dest: Path) -> None:
    """Write the job's regular files under ``dest``.

    The worker may write to every folder (it deletes the hidden suite once collected); files
    are read-only to it. ``harness/`` is the supervisor's and is never written from a job.
    """
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            name = PurePosixPath(member.name)
            if not member.isfile() or name.is_absolute() or ".." in name.parts or name.parts[0] == "harness":
                continue
            target = dest.joinpath(*name.parts)
            for parent in reversed(target.relative_to(dest).parents):
                folder = dest / parent
                if not folder.exists():
                    folder.mkdir()
                    os.chmod(folder, 0o777)
            source = tar.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
            os.chmod(target, 0o644)


def limit_resources(rlimits: dict[str, int]) -> None:
    import resource

    pairs = {"as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE}
    for key, value in rlimits.items():
        resource.setrlimit(pairs[key], (value, value))


#: Under "process", the grader bootstraps itself from its stdin: it makes its own private folder
#: (mode 0700, as the grader's user: this process has no CAP_CHOWN nor CAP_DAC_OVERRIDE), writes the
#: harness there (0600), then runs the worker, which reads the job tar from the rest of stdin.
GRADER_BOOT = """
import json, os, sys
home = sys.argv[1]
os.mkdir(home, 0o700)
for folder in ("harness", "home", "tmp"):
    os.mkdir(os.path.join(home, folder), 0o700)
for name, text in json.loads(sys.stdin.buffer.readline()).items():
    with open(os.open(os.path.join(home, "harness", name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(text)
sys.path.insert(0, os.path.join(home, "harness"))
import worker
code = worker.main([os.path.join(home, "harness", "worker.py"), *sys.argv[2:]]); sys.stdout.flush(); sys.stderr.flush()
os._exit(code)  # events are written unbuffered; the interpreter's own teardown would only delay the answer
"""
#: What the student's processes are given: the server, its codec and a notebook's kernel driver,
#: public and read-only.
STUDENT_FILES = ("student.py", "boundary.py", "cells.py")
#: How many times the grader may have the student process replaced in one run.
MAX_RESTARTS = 200


def submission_tar(job: bytes) -> bytes:
    """The job's ``submission/`` files alone, as a tar: all the student process ever receives."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(job)) as tar, tarfile.open(fileobj=out, mode="w") as kept:
        for member in tar.getmembers():
            name = PurePosixPath(member.name)
            if member.isfile() and len(name.parts) > 1 and name.parts[0] == "submission":
                data = tar.extractfile(member)
                assert data is not None
                info = tarfile.TarInfo("/".join(name.parts[1:]))
                info.size, info.mode = member.size, 0o644
                kept.addfile(info, data)
    return out.getvalue()


class Boundary:
    """``boundary = "process"``: the grader process and the student process, never one process.

    The grader (``grader_uid``) runs pytest, the plugin and the hidden suite in ``grader/``, a
    folder only it can read; its events come on a pipe (no path to open). The student process
    (``uid``) runs ``student.py`` in ``submission/`` with only the submission's files, an
    environment naming nothing of the grader's and one end of a socketpair whose other end the
    grader holds. The grader asks for a fresh student process on a control socket (``restart``);
    the new socket end goes to it with ``socket.send_fds``.

    For a notebook, a third process (``uid``) runs ``cells.py``: the notebook's cells in a Jupyter
    kernel, for the student's per-cell feedback only. Its events come on a pipe of their own, of
    which only ``cell`` events are relayed; nothing of the grader's ever reaches it.
    """

    def __init__(self, config: dict[str, Any], work: Path, env: dict[str, str]) -> None:
        self.config = config
        self.work = work
        self.env = env
        self.student: subprocess.Popen[bytes] | None = None
        self.tar = b""
        self.restarts = 0
        self.cells: subprocess.Popen[bytes] | None = None
        self.cells_fd: int | None = None
        self.control, grader_control = socket.socketpair()
        self.events_fd, events_w = os.pipe()
        grader_end, self.student_end = socket.socketpair()
        # Each user makes its own folder here (sticky: none can remove another's; no listing).
        os.chmod(work, 0o1733)
        (work / "student").mkdir()
        os.chmod(work / "student", 0o755)
        for name in STUDENT_FILES:
            (work / "student" / name).write_text(config["harness"][name])
            os.chmod(work / "student" / name, 0o644)
        grader = str(work / "grader")
        fds = {
            "GRADER_CHANNEL_FD": events_w,
            "GRADER_STUDENT_FD": grader_end.fileno(),
            "GRADER_CONTROL_FD": grader_control.fileno(),
        }
        uid = config.get("grader_uid") if config.get("uid") is not None else None
        self.grader = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", GRADER_BOOT, grader, str(work / "grader" / "job.json"), config["kind"], "process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=str(work),
            env={**env, "HOME": f"{grader}/home", "TMPDIR": f"{grader}/tmp", **{k: str(v) for k, v in fds.items()}},
            pass_fds=tuple(fds.values()),
            start_new_session=True,
            **user_args(uid, config.get("rlimits")),
        )
        for closing in (grader_end, grader_control):
            closing.close()
        os.close(events_w)
        assert self.grader.stdin is not None
        harness = {name: text for name, text in config["harness"].items() if name not in ("student.py",)}
        self.grader.stdin.write(json.dumps(harness).encode() + b"\n")
        self.grader.stdin.flush()
        self.spawn(self.student_end)  # it waits for the submission's files on its stdin
        if config["kind"] == "notebook":
            self.start_cells()

    def start_cells(self) -> None:
        """The notebook's kernel, as the student, booting while the job arrives (see cells.py)."""
        home = self.work / "kernel-home"
        self.cells_fd, events_w = os.pipe()
        env = {**self.student_env(home), "IPYTHONDIR": str(home / ".ipython"), "JUPYTER_PLATFORM_DIRS": "1"}
        env["JUPYTER_RUNTIME_DIR"] = str(home / "runtime")
        self.cells = subprocess.Popen(
            [sys.executable, "-I", "-B", str(self.work / "student" / "cells.py"), str(self.work / "kernel"),
             str(self.config.get("cell_timeout_s", 5)), str(events_w)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(self.work), env=env,
            pass_fds=(events_w,), start_new_session=True, **user_args(self.config.get("uid"), self.config.get("rlimits")),
        )  # fmt: skip
        os.close(events_w)

    def start(self, job: bytes) -> None:
        """The job is here: the grader gets all of it; the student process and the kernel, both
        started ahead and waiting on their stdin, get the submission's files only."""
        self.tar = submission_tar(job)
        feed(self.student, self.tar)
        assert self.grader.stdin is not None
        self.grader.stdin.write(job)
        self.grader.stdin.close()
        feed(self.cells, self.tar)  # last: feedback, and it may still be loading when the job comes

    def student_env(self, home: Path) -> dict[str, str]:
        return {**self.env, "HOME": str(home), "TMPDIR": "/tmp" if self.config.get("uid") is not None else str(home)}

    def spawn(self, end: socket.socket) -> None:
        self.student = subprocess.Popen(
            [sys.executable, "-I", "-B", "-u", str(self.work / "student" / "student.py"), str(end.fileno()),
             str(self.work / "submission"), str(self.config["output_bytes"])],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(self.work),
            env=self.student_env(self.work / "student-home"), pass_fds=(end.fileno(),), start_new_session=True,
            **user_args(self.config.get("uid"), self.config.get("rlimits")),
        )  # fmt: skip
        end.close()
        if self.tar:  # a restart: the job is here already
            feed(self.student, self.tar)

    def on_control(self) -> bool:
        """Answer one request on the control socket; False once the grader has hung up."""
        try:
            request = self.control.recv(64)
        except OSError:
            return False
        if not request:
            return False
        self.stop_student()
        try:
            if request != b"restart" or self.restarts >= MAX_RESTARTS:
                self.control.sendall(b"no")
                return True
            self.restarts += 1
            grader_end, student_end = socket.socketpair()
            try:
                self.spawn(student_end)
                socket.send_fds(self.control, [b"ok"], [grader_end.fileno()])
            except OSError:  # no fresh process now (e.g. the process limit): the grader may ask again
                self.control.sendall(b"no")
            finally:
                grader_end.close()
                student_end.close()
        except OSError:  # the grader has gone
            return False
        return True

    def stop_cells(self) -> None:
        if self.cells is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.cells.pid, signal.SIGKILL)
            self.cells.wait()
            self.cells = None

    def stop_student(self) -> None:
        if self.student is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.student.pid, signal.SIGKILL)
            self.student.wait()
            self.student = None


def feed(proc: subprocess.Popen[bytes] | None, data: bytes) -> None:
    """Write ``data`` to a child's stdin and close it (a child that died early is no error here)."""
    if proc is not None and proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.write(data)
        with contextlib.suppress(OSError):
            proc.stdin.close()


def user_args(uid: int | None, rlimits: dict[str, int] | None) -> dict[str, Any]:
    """Popen's arguments to run a child as ``uid`` (None: as we are), with ``rlimits``."""
    return {
        "user": uid,
        "group": uid,
        "extra_groups": [] if uid is not None else None,
        "preexec_fn": (lambda: limit_resources(rlimits)) if rlimits else None,
    }


def base_env() -> dict[str, str]:
    path = os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin"
    flags = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    return {"PATH": path, "LANG": "C.UTF-8", **dict.fromkeys(flags, "1")}


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    work = Path(config["workdir"])
    if config.get("boundary") == "process":
        return run_process_boundary(config, work)
    # runs/: kind ``tests`` gives each run of the student's tests a folder of its own in there.
    folders = {"harness": 0o755, "submission": 0o777, "channel": 0o777, "home": 0o777, "runs": 0o777}
    for name, mode in folders.items():
        (work / name).mkdir()
        os.chmod(work / name, mode)
    for name, source in config["harness"].items():
        (work / "harness" / name).write_text(source)

    fifo = work / "channel" / "events"
    os.mkfifo(fifo)
    os.chmod(fifo, 0o666)
    events_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    # Holding a writer ourselves means the FIFO never reads as closed while the worker starts.
    keep_open = os.open(fifo, os.O_WRONLY)

    home = work / "home"
    env = {
        **base_env(),
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "GRADER_CHANNEL": str(fifo),
        "GRADER_SCRATCH": os.pathsep.join(config.get("scratch") or []),
    }
    # The worker starts before the job arrives (it boots a notebook kernel, or imports pytest,
    # while we wait) and goes on when it reads "go" on its stdin.
    proc = subprocess.Popen(
        [sys.executable, "-I", "-B", str(work / "harness" / "worker.py"), str(work / "job.json"), config["kind"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=str(work / "submission"),
        env=env,
        start_new_session=True,
        **user_args(config.get("uid"), config.get("rlimits")),
    )
    assert proc.stdin is not None
    # The clock starts when the job arrives: a container may be started before its job exists.
    job = sys.stdin.buffer.read(MAX_JOB_BYTES)
    started = time.monotonic()
    try:
        unpack(job, work)
        proc.stdin.write(b"go\n")
        proc.stdin.close()
    except (tarfile.TarError, OSError) as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        sys.stderr.write(f"no usable job on stdin: {exc}\n")
        return 2
    record = relay(proc, events_fd, started, config, None)
    os.close(keep_open)
    emit(encode(record))
    return 0


def run_process_boundary(config: dict[str, Any], work: Path) -> int:
    """``boundary = "process"``: the grader and the student's code in two processes (:class:`Boundary`)."""
    boundary = Boundary(config, work, base_env())
    job = sys.stdin.buffer.read(MAX_JOB_BYTES)
    started = time.monotonic()
    try:
        boundary.start(job)
    except (tarfile.TarError, OSError) as exc:
        os.killpg(boundary.grader.pid, signal.SIGKILL)
        boundary.stop_student()
        boundary.stop_cells()
        sys.stderr.write(f"no usable job on stdin: {exc}\n")
        return 2
    try:
        record = relay(boundary.grader, boundary.events_fd, started, config, boundary)
    finally:
        boundary.stop_student()
        boundary.stop_cells()
    emit(encode(record))
    return 0


def relay(
    proc: subprocess.Popen[bytes], events_fd: int, started: float, config: dict[str, Any], boundary: Boundary | None
) -> dict[str, Any]:
    """Relay the worker's events until it ends or the wall time is up; its exit record."""
    assert proc.stdout is not None
    out_fd = proc.stdout.fileno()
    output = bytearray()
    output_total = 0
    limit = int(config["output_bytes"])
    # Per stream: its unfinished line and the event types it may send (a notebook kernel's: cells).
    pending: dict[int, bytes] = {events_fd: b""}
    allowed = {events_fd: EVENT_TYPES}
    cells_fd = boundary.cells_fd if boundary is not None else None
    if cells_fd is not None:
        pending[cells_fd], allowed[cells_fd] = b"", {"cell"}
    events = 0
    rejected = 0
    deadline = started + float(config["wall_s"])
    timed_out = False
    out_open = True
    events_open = True
    control_open = boundary is not None

    emitted = 0
    # Readable once the worker exits: the loop ends then, not at its next poll (Linux 5.3+; else polled).
    exited_fd: int | None = None
    with contextlib.suppress(AttributeError, OSError):
        exited_fd = os.pidfd_open(proc.pid)

    def take_events(chunk: bytes, fd: int = events_fd) -> None:
        nonlocal events, rejected, emitted
        *lines, pending[fd] = (pending[fd] + chunk).split(b"\n")
        if len(pending[fd]) > MAX_EVENT_BYTES:
            pending[fd], rejected = b"", rejected + 1
        for line in lines:
            try:
                event = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
                rejected += 1
                continue
            if not isinstance(event, dict) or event.get("type") not in allowed[fd] or events >= MAX_EVENTS:
                rejected += 1
                continue
            try:
                out = encode({"type": "event", "event": event})
            except (ValueError, RecursionError):
                rejected += 1
                continue
            if emitted + len(out) > MAX_EMITTED_BYTES:
                rejected += 1
                continue
            events += 1
            emitted += len(out)
            emit(out)

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = proc.poll() is None  # a notebook kernel's run past the end is only cut short
            break
        watched = ([events_fd] if events_open else []) + ([out_fd] if out_open else [])
        if boundary is not None and control_open:
            watched.append(boundary.control.fileno())
        if cells_fd is not None:
            watched.append(cells_fd)
        if exited_fd is not None:
            watched.append(exited_fd)
        ready, _, _ = select.select(watched, [], [], min(remaining, 0.2 if exited_fd is not None else 0.02))
        if cells_fd is not None and cells_fd in ready:
            chunk = os.read(cells_fd, 65536)
            take_events(chunk, cells_fd)
            if not chunk:  # the kernel's run is over
                os.close(cells_fd)
                cells_fd = None
        if events_fd in ready:
            chunk = os.read(events_fd, 65536)
            # A FIFO we hold a writer of never ends; a pipe ends when the grader exits.
            events_open = bool(chunk) or boundary is None
            take_events(chunk)
        if out_fd in ready:
            chunk = os.read(out_fd, 65536)
            if not chunk:
                out_open = False
            output_total += len(chunk)
            if len(output) < limit:
                output += chunk[: limit - len(output)]
        if boundary is not None and control_open and boundary.control.fileno() in ready:
            control_open = boundary.on_control()
        if exited_fd is not None and exited_fd in ready:
            # Its last words may still be in the pipes: read what is there, then stop watching.
            os.close(exited_fd)
            exited_fd = None
            continue
        if (not out_open or not ready) and proc.poll() is not None and cells_fd is None:
            break

    if exited_fd is not None:
        os.close(exited_fd)
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    returncode = proc.wait()
    try:
        while select.select([events_fd], [], [], 0)[0]:
            chunk = os.read(events_fd, 65536)
            if not chunk:
                break
            take_events(chunk)
    except OSError:
        pass
    return {
        "type": "exit",
        "returncode": returncode,
        "timed_out": timed_out,
        "rejected_events": rejected,
        "output": output.decode("utf-8", "replace"),
        "output_bytes": output_total,
        "duration_s": round(time.monotonic() - started, 3),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
