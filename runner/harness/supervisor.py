"""The sandbox's first process: unpack the job, run the worker unprivileged, relay its events.

Run as ``python -I supervisor.py CONFIG_JSON`` (or with ``-c`` and the source) with the job tar on
stdin. CONFIG_JSON keys: ``workdir``, ``kind``, ``harness`` (file name -> source of the worker's
files), ``uid``/``gid`` (null: stay as we are), ``wall_s``, ``output_bytes``, ``rlimits`` (local
backend: ``{"as": bytes, "cpu": s, "fsize": bytes}``), ``scratch`` (folders that belong to this run
alone, passed on to the worker as ``$GRADER_SCRATCH``).

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


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    work = Path(config["workdir"])
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
        "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "IPYTHONDIR": str(home / ".ipython"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "GRADER_CHANNEL": str(fifo),
        "GRADER_SCRATCH": os.pathsep.join(config.get("scratch") or []),
    }
    rlimits = config.get("rlimits")
    # The worker starts before the job arrives (it boots a notebook kernel, or imports pytest,
    # while we wait) and goes on when it reads "go" on its stdin.
    proc = subprocess.Popen(
        [sys.executable, "-I", "-B", str(work / "harness" / "worker.py"), str(work / "job.json"), config["kind"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=str(work / "submission"),
        env=env,
        user=config.get("uid"),
        group=config.get("gid"),
        extra_groups=[] if config.get("uid") is not None else None,
        start_new_session=True,
        preexec_fn=(lambda: limit_resources(rlimits)) if rlimits else None,
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
    assert proc.stdout is not None
    out_fd = proc.stdout.fileno()
    output = bytearray()
    output_total = 0
    limit = int(config["output_bytes"])
    pending = b""
    events = 0
    rejected = 0
    deadline = started + float(config["wall_s"])
    timed_out = False
    out_open = True

    emitted = 0

    def take_events(chunk: bytes) -> None:
        nonlocal pending, events, rejected, emitted
        pending += chunk
        *lines, pending = pending.split(b"\n")
        if len(pending) > MAX_EVENT_BYTES:
            pending, rejected = b"", rejected + 1
        for line in lines:
            try:
                event = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
                rejected += 1
                continue
            if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES or events >= MAX_EVENTS:
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
            timed_out = True
            break
        watched = [events_fd] + ([out_fd] if out_open else [])
        ready, _, _ = select.select(watched, [], [], min(remaining, 0.2))
        if events_fd in ready:
            take_events(os.read(events_fd, 65536))
        if out_fd in ready:
            chunk = os.read(out_fd, 65536)
            if not chunk:
                out_open = False
            output_total += len(chunk)
            if len(output) < limit:
                output += chunk[: limit - len(output)]
        if (not out_open or not ready) and proc.poll() is not None:
            break

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
    os.close(keep_open)
    emit(
        encode(
            {
                "type": "exit",
                "returncode": returncode,
                "timed_out": timed_out,
                "rejected_events": rejected,
                "output": output.decode("utf-8", "replace"),
                "output_bytes": output_total,
                "duration_s": round(time.monotonic() - started, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
