"""A notebook's cells in a Jupyter kernel, one ``cell`` event each: the student's per-cell feedback.

Used two ways:

- ``boundary = "shared"``: ``worker.py`` drives the kernel with :func:`execute_cells`, then runs
  the hidden suite inside that kernel;
- ``boundary = "process"``: the supervisor runs this file as a script, as the student's user,
  ``python -I -B cells.py FOLDER CELL_TIMEOUT_S EVENTS_FD``. The kernel boots while the job
  arrives; the submission's files then come as a tar on stdin into FOLDER (made here, mode 0700:
  the kernel's working folder), each code cell runs once, in order, within its time limit, and
  each gives one JSON line on EVENTS_FD. Grading happens elsewhere (the namespace is rebuilt from
  the cells' source in the student process, ``student.py``).

Trust rule (process boundary): this process and its kernel are the student's. They get the
submission's files and nothing of the grader's; nothing is ever sent to the kernel but the
notebook's own cells. The supervisor relays only ``cell`` events from EVENTS_FD (any other line
makes the run untrusted) and the host checks each against the notebook's real code cells; cell
events never score.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: How much lower than the grader's and the student process's this process and its kernel run
#: (``os.nice``): the per-cell feedback must not slow the grading down to its wall time.
NICENESS = 10
#: The kernel's command: ipykernel_launcher's, without the debugger (debugpy). Nothing can attach
#: to it in the sandbox, and loading it is a third of the kernel's imports. ``sys.path[0]`` (the
#: current folder) is taken out while ipykernel loads and put back by IPython, as the launcher does.
KERNEL_BOOT = (
    "import sys; sys.modules['debugpy'] = None; del sys.path[0]; "
    "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
)
#: Longest error text of a cell event.
ERROR_CHARS = 2000


def start_kernel(cwd: str) -> Any:
    """Start a python3 kernel in ``cwd``; it takes longest to boot, so it boots while the job arrives."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    # nbclient drives an async manager; a sync one deadlocks when it interrupts a cell.
    kernel = AsyncKernelManager(kernel_name="python3")
    kernel.kernel_spec.argv = [sys.executable, "-c", KERNEL_BOOT, "-f", "{connection_file}"]
    run_sync(kernel.start_kernel)(cwd=cwd, extra_arguments=["--HistoryManager.enabled=False"])
    return kernel


def ready_client(kernel: Any, timeout_s: float = 60.0) -> Any:
    """A client of ``kernel`` once the kernel answers on its shell and iopub channels.

    jupyter_client's ``wait_for_ready`` does this handshake, then drains iopub until it has been
    quiet for 0.2 s: a fixed wait at every start, on the kernel's critical path. nbclient reads
    iopub by parent message, so what the start left there is skipped without that drain."""
    from queue import Empty

    from jupyter_core.utils import run_sync

    async def handshake() -> Any:
        client = kernel.client()
        client.start_channels()
        client.allow_stdin = False
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            client.kernel_info()
            try:
                reply = await client.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await client.iopub_channel.get_msg(timeout=0.2)  # iopub is connected: its status came
                    return client
            except Empty:
                pass
            if not await kernel.is_alive():
                raise RuntimeError("the kernel died before it answered")
        raise RuntimeError(f"the kernel did not answer within {timeout_s} s")

    return run_sync(handshake)()


def read_notebook(path: str) -> Any:
    """The notebook at ``path`` as nbformat 4, unvalidated: the host validated it before sending
    (runner/submission.py), and nbformat's schema check costs the kernel's start as much again."""
    import nbformat

    with open(path, encoding="utf-8") as source:
        return nbformat.convert(nbformat.reader.reads(source.read()), 4)


def make_client(nb: Any, kernel: Any, folder: str, cell_timeout_s: float) -> tuple[Any, dict[int, dict[str, Any]]]:
    """An nbclient driving ``kernel`` over ``nb``, and the dict where each cell's reply lands."""
    from nbclient import NotebookClient

    replies: dict[int, dict[str, Any]] = {}

    def executed(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        replies[cell_index] = execute_reply

    client = NotebookClient(
        nb,
        km=kernel,
        timeout=cell_timeout_s,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": "cell timed out", "traceback": []},
        resources={"metadata": {"path": folder}},
        on_cell_executed=executed,
        shutdown_kernel="immediate",
    )
    return client, replies


def execute_cells(
    client: Any, replies: dict[int, dict[str, Any]], cell_timeout_s: float, send: Callable[[dict[str, Any]], None]
) -> None:
    """Run each code cell of the client's notebook once, in order; ``send`` one event per cell."""
    for index, cell in enumerate(client.nb.cells):
        if cell.cell_type != "code":
            continue
        started = time.monotonic()
        client.execute_cell(cell, index)
        send(cell_event(index, replies.get(index, {}).get("content", {}), started, cell_timeout_s))
        cell.outputs = []


def cell_event(index: int, content: dict[str, Any], started: float, cell_timeout_s: float) -> dict[str, Any]:
    """The ``cell`` event for the kernel's reply ``content`` to cell ``index``."""
    event: dict[str, Any] = {
        "type": "cell",
        "index": index,
        "status": "ok",
        "error": None,
        "duration_s": round(time.monotonic() - started, 4),
    }
    if content.get("status") == "error":
        if content.get("ename") == "CellTimeout":
            event["status"] = "timeout"
            event["error"] = f"stopped after {cell_timeout_s} s"
        else:
            event["status"] = "error"
            error = f"{content.get('ename')}: {content.get('evalue')}"
            more = len(error) - ERROR_CHARS
            event["error"] = error[:ERROR_CHARS] + (f"\n... [{more} more characters cut]" if more > 0 else "")
            lines = [ANSI.sub("", line) for line in content.get("traceback", [])]
            numbers = re.findall(r"line (\d+)", "\n".join(lines))
            if numbers:
                event["line"] = int(numbers[-1])
    return event


def main(argv: list[str]) -> int:
    """Process boundary: boot the kernel, receive the submission, run its notebook's cells."""
    folder, cell_timeout_s, events_fd = argv[1], float(argv[2]), int(argv[3])
    os.nice(NICENESS)  # the kernel inherits it: grading comes first when the CPU is short
    os.makedirs(os.environ["HOME"], mode=0o700, exist_ok=True)
    os.mkdir(folder, 0o700)
    kernel = start_kernel(folder)
    import nbclient  # noqa: F401  (loaded while the kernel boots and the job is on its way)
    import nbformat  # noqa: F401

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from student import unpack_submission  # type: ignore[import-not-found]

    unpack_submission(folder)
    notebooks = sorted(name for name in os.listdir(folder) if name.endswith(".ipynb"))
    if not notebooks:
        return 0
    nb = read_notebook(os.path.join(folder, notebooks[0]))
    client, replies = make_client(nb, kernel, folder, cell_timeout_s)
    client.kc = ready_client(kernel)

    def send(event: dict[str, Any]) -> None:
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(events_fd, data) :]

    with client.setup_kernel():
        execute_cells(client, replies, cell_timeout_s, send)
    # The run is over when this pipe closes. The supervisor then ends the kernel (it is in this
    # process's group): shutting zmq and asyncio down here would only delay the answer.
    os.close(events_fd)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
