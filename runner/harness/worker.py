"""Run the hidden suite against a submission; report each outcome as a JSON line on the channel.

Run by the supervisor as ``python -I -B worker.py JOB_JSON KIND`` before the job arrives; it goes on
when it reads ``go`` on stdin, by which time the job folder holds
``job.json``, ``submission/`` (the student's files), ``suite/`` (the hidden tests, deleted from
disk once collected), ``harness/`` (this file, ``plugin.py``, and ``mutation.py`` for kind
``tests``). Events go to the FIFO named by ``$GRADER_CHANNEL``.

Under ``boundary = "process"`` (``... KIND process``) this is the grader process: it runs as its
own user in its own folder, reads the job tar from stdin instead of ``go`` (keeping ``job.json``
and ``suite/`` only), writes events to the pipe ``$GRADER_CHANNEL_FD`` and reaches the student's
code only through ``remote.py`` (see supervisor.Boundary); for a notebook too, so no kernel is
started here (the student's ``cells.py`` runs the cells for feedback).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


class Channel:
    """Where events go: one JSON object per line, written with single ``write`` calls."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY)

    @classmethod
    def from_env(cls) -> Channel:
        """The FIFO named by ``$GRADER_CHANNEL``, or (process boundary) the pipe ``$GRADER_CHANNEL_FD``."""
        if "GRADER_CHANNEL" in os.environ:
            return cls(os.environ["GRADER_CHANNEL"])
        channel = cls.__new__(cls)
        channel.fd = int(os.environ["GRADER_CHANNEL_FD"])
        return channel

    def send(self, event: dict[str, Any]) -> None:
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data) :]


def empty_folder(folder: Path) -> None:
    """Delete everything below ``folder`` (the folder itself may belong to the supervisor)."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit} more characters cut]"


KERNEL_TESTS = """
import sys as _grader_sys, types as _grader_types, tempfile as _grader_tempfile, pathlib as _grader_pathlib
_grader_ns = _grader_types.ModuleType("notebook")
_grader_ns.__dict__.update({{k: v for k, v in list(globals().items()) if not k.startswith("_")}})
_grader_suite = _grader_pathlib.Path(_grader_tempfile.mkdtemp(prefix="suite-"))
for _grader_name, _grader_text in {suite!r}.items():
    (_grader_suite / _grader_name).parent.mkdir(parents=True, exist_ok=True)
    (_grader_suite / _grader_name).write_text(_grader_text)
# Nothing the cells wrote into the working folder may stand in for pytest or the stdlib.
_grader_sys.path[:] = [p for p in _grader_sys.path if p not in ("", ".", {submission!r})]
_grader_sys.path.insert(0, {harness!r})
import plugin as _grader_plugin
_grader_plugin.run_tests({job!r}, _grader_ns, str(_grader_suite))
"""


def start_kernel(work: Path) -> Any:
    """Start the notebook's kernel in ``submission/`` (``boundary = "shared"``)."""
    from cells import start_kernel as start  # type: ignore[import-not-found]

    return start(str(work / "submission"))


def run_notebook(job: dict[str, Any], job_path: Path, kernel: Any) -> None:
    """Execute the notebook cell by cell, report each cell, then run the suite in its kernel."""
    import nbformat
    from cells import execute_cells, make_client

    work = job_path.parent
    channel = Channel(os.environ["GRADER_CHANNEL"])
    # The cells are student code: the hidden suite leaves the disk before they run and comes
    # back, under a random name, only when the tests are collected.
    suite_dir = work / "suite"
    suite = {p.relative_to(suite_dir).as_posix(): p.read_text() for p in suite_dir.rglob("*") if p.is_file()}
    empty_folder(suite_dir)
    path = work / "submission" / job["files"][0]
    nb = nbformat.read(path, as_version=4)
    client, replies = make_client(nb, kernel, str(work / "submission"), job["cell_timeout_s"])
    with client.setup_kernel():
        execute_cells(client, replies, job["cell_timeout_s"], channel.send)
        client.timeout = None
        source = KERNEL_TESTS.format(
            harness=str(work / "harness"), job=str(job_path), suite=suite, submission=str(work / "submission")
        )
        runner = nbformat.v4.new_code_cell(source)
        nb.cells.append(runner)
        client.execute_cell(runner, len(nb.cells) - 1)


def receive_job(dest: Path) -> None:
    """``boundary = "process"``: the job tar comes on stdin; keep ``job.json`` and ``suite/`` in our
    own folder (only this user can read it). The submission's files are the student process's."""
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read())) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or Path(member.name).is_absolute() or ".." in parts or parts[0] not in ("job.json", "suite"):
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(source.read())


def main(argv: list[str]) -> int:
    job_path, kind = Path(argv[1]), argv[2]
    process = argv[3:] == ["process"]
    # Under the process boundary a notebook's kernel is the student's (cells.py), never the grader's.
    kernel = start_kernel(job_path.parent) if kind == "notebook" and not process else None
    if kind in ("module", "files") or process:
        import plugin  # type: ignore[import-not-found]  # noqa: F401 - loads pytest while we wait
    if process:
        receive_job(job_path.parent)
    elif sys.stdin.readline().strip() != "go":
        return 2
    job = json.loads(job_path.read_text())
    if kind == "notebook" and not process:
        run_notebook(job, job_path, kernel)
    elif kind == "tests":
        from mutation import run_mutation  # type: ignore[import-not-found]

        run_mutation(job, job_path)
    else:
        from plugin import run_tests

        run_tests(str(job_path))
    return 0


if __name__ == "__main__":
    # -I leaves the script's folder off sys.path; the plugin lives beside this file.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv))
