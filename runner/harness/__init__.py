"""Code that runs inside the sandbox.

These modules are shipped into the sandbox as files and run there by the sandbox's own Python:
they import only the standard library, pytest and (for notebooks) nbclient, never `runner`.

- `supervisor.py` is the sandbox's first process. It reads the job (a tar on stdin), starts the
  worker as the unprivileged user, relays the worker's result events to its own stdout as JSON
  lines, keeps a bounded amount of the worker's output and enforces the submission's wall time.
- `worker.py` runs the hidden pytest suite against the submission (for a notebook: executes it
  cell by cell with nbclient, then runs the suite inside the notebook's kernel);
- `mutation.py` runs kind ``tests``: the student's tests against the reference, variants of it and
  each mutant, each run kept apart from the others;
- `plugin.py` is the pytest plugin both use: the ``student`` fixture, deadlines, result events.
- Under ``[grading] boundary = "process"`` the worker is the *grader process* (its own user) and
  the student's code runs in a *student process* (`student.py`) that the grader reaches only
  through `remote.py` over one socket, with the data-only codec of `boundary.py`. For a notebook
  the student process rebuilds the namespace from the cells' source, and `cells.py` (also the
  student's) runs the cells in a Jupyter kernel for the per-cell feedback only.
"""

from __future__ import annotations

from pathlib import Path

HARNESS_DIR = Path(__file__).parent
SUPERVISOR = HARNESS_DIR / "supervisor.py"
WORKER = HARNESS_DIR / "worker.py"
PLUGIN = HARNESS_DIR / "plugin.py"
MUTATION = HARNESS_DIR / "mutation.py"
