"""Gradescope's autograder: ``grade export gradescope NN_topic`` writes ``autograder.zip``, and
``python -m runner.gradescope`` is what its ``run_autograder`` runs for each submission.

Gradescope's contract (gradescope-autograders.readthedocs.io, "Autograder Specifications"): the zip
holds ``setup.sh`` and ``run_autograder`` at its root; it is unpacked into ``/autograder/source``;
``setup.sh`` runs once, as root, when Gradescope builds the image; for each submission Gradescope
puts the student's files in ``/autograder/submission``, runs ``/autograder/run_autograder`` (a copy
of ours) in ``/autograder`` and reads ``/autograder/results/results.json``.

Gradescope's container is the sandbox: one fresh container per submission. Inside it we run the
same harness with the local backend (time, memory and file-size limits, no Docker). The zip holds
the runner, the exercise's folder and its hidden suite only: no reference solution and no mutants
(except for kind ``tests``, whose suite is the target module and the mutants).

Hidden tests (``hidden=True`` in the points marker) keep their points and get Gradescope's
visibility ``hidden`` (or ``--hidden-visibility``). Gradescope does not show students their total
score while any test of the submission is hidden; ``after_published`` shows those tests, and the
total, once the instructor publishes grades.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Literal

from .errors import SubmissionError
from .exercise import TARGET_FOLDER, Exercise, exercise_path, load_exercise, read_tree
from .mutants import MUTANTS_FOLDER
from .render import render_gradescope
from .results import SubmissionResult, write_atomic

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
VISIBILITIES: tuple[Visibility, ...] = ("hidden", "after_due_date", "after_published", "visible")
COURSE = "course"
"""The folder inside the zip (and in /autograder/source) that holds the runner and the exercise."""
RUNNER_FILES = ("runner",)
#: What the runner needs on Gradescope beyond the sandbox's pins (mutants as diffs, for kind tests).
RUNNER_REQUIREMENTS = "\n# the runner's own needs\nunidiff>=1.0.1\n"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu): Python 3.11 or
# newer, a virtual environment with the exercise packages, and redis-server (13_redis).
set -euo pipefail
apt-get update
PY=$(command -v python3.12 || command -v python3.11 || true)
if [ -z "$PY" ]; then
  apt-get install -y --no-install-recommends python3.11 python3.11-venv
  PY=python3.11
fi
apt-get install -y --no-install-recommends redis-server "$(basename "$PY")-venv" || true
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir -r /autograder/source/requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission, in /autograder: grade /autograder/submission against
# the hidden suite of {exercise} and write /autograder/results/results.json.
set -u
cd /autograder/source/{course}
exec /autograder/venv/bin/python -B -m runner.gradescope {exercise} /autograder/submission /autograder/results {visibility}
"""


def grader_files(exercise: Exercise) -> dict[str, bytes]:
    """The grader files the autograder needs: the hidden suite (kind ``tests``: the target module and mutants)."""
    folders = (TARGET_FOLDER, MUTANTS_FOLDER) if exercise.kind == "tests" else ("tests",)
    files: dict[str, bytes] = {}
    for folder in folders:
        files.update({f"{folder}/{name}": data for name, data in read_tree(exercise.grader_path / folder).items()})
    return files


def build_autograder(root: Path, exercise: Exercise, out: Path, hidden_visibility: Visibility = "hidden") -> list[str]:
    """Write Gradescope's ``autograder.zip`` for ``exercise`` to ``out``; return its member names."""
    members: dict[str, bytes] = {
        "setup.sh": SETUP_SH.encode(),
        "run_autograder": RUN_AUTOGRADER.format(exercise=exercise.id, course=COURSE, visibility=hidden_visibility).encode(),
        "requirements.txt": (root / "sandbox" / "requirements.txt").read_bytes() + RUNNER_REQUIREMENTS.encode(),
    }
    for folder in RUNNER_FILES:
        for name, data in read_tree(root / folder).items():
            members[f"{COURSE}/{folder}/{name}"] = data
    for name, data in read_tree(exercise.path).items():
        members[f"{COURSE}/exercises/{exercise.path.name}/{name}"] = data
    for name, data in grader_files(exercise).items():
        members[f"{COURSE}/graders/{exercise.id}/{name}"] = data
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(members.items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return sorted(members)


def gather(exercise: Exercise, submission: Path, work: Path) -> Path:
    """A working copy of the exercise with the submitted files laid over it. Gradescope keeps a
    GitHub or zip upload's folders, so each declared file is taken from the shallowest place it is."""
    folder = work / exercise.path.name
    shutil.copytree(exercise.path, folder)
    for name in exercise.files:
        found = sorted((p for p in submission.rglob(name) if p.is_file() and not p.is_symlink()),
                       key=lambda p: (len(p.relative_to(submission).parts), str(p)))  # fmt: skip
        if not found:
            raise SubmissionError(f"your submission has no {name}: upload {', '.join(exercise.files)}")
        shutil.copyfile(found[0], folder / name)
    return folder


def results_json(result: SubmissionResult, hidden_visibility: Visibility = "hidden") -> str:
    """Gradescope's ``results.json``, hidden tests with ``hidden_visibility``."""
    data = json.loads(render_gradescope(result))
    for entry, test in zip(data["tests"], result.tests, strict=True):
        if test.hidden:
            entry["visibility"] = hidden_visibility
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def refusal_json(message: str) -> str:
    """results.json for a submission that cannot be graded (a missing file): zero, and why."""
    return json.dumps({"score": 0, "output": message, "output_format": "text", "tests": []}, indent=2) + "\n"


def run_autograder(exercise_id: str, submission: Path, results: Path, hidden_visibility: Visibility = "hidden") -> Path:
    """Grade ``submission`` with the course in the current folder; write ``results/results.json``.
    A grader failure raises (Gradescope then reports the autograder failed, not a zero)."""
    from .grading import grade_folder
    from .sandbox.local import LocalSandbox

    exercise = load_exercise(exercise_path(Path.cwd(), exercise_id))
    results.mkdir(parents=True, exist_ok=True)
    target = results / "results.json"
    with tempfile.TemporaryDirectory(prefix="grade-gradescope-") as work:
        try:
            folder = gather(exercise, submission, Path(work))
        except SubmissionError as exc:
            write_atomic(target, refusal_json(str(exc)))
            return target
        result = grade_folder(exercise, folder, LocalSandbox(), student_id="gradescope")
    write_atomic(target, results_json(result, hidden_visibility))
    return target


def main(argv: list[str]) -> int:
    """``run_autograder``'s entry: EXERCISE SUBMISSION_DIR RESULTS_DIR [VISIBILITY]; no output."""
    exercise_id, submission, results, *rest = argv
    visibility = rest[0] if rest and rest[0] in VISIBILITIES else "hidden"
    run_autograder(exercise_id, Path(submission), Path(results), visibility)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
