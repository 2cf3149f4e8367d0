"""A course on GitHub Classroom: the student template made from the course repository.

Two repositories keep the hidden suites private. The course repository (private) holds everything:
``runner/``, ``sandbox/``, ``graders/`` (hidden suites, references, mutants) and ``exercises/``.
The student template (public, or the Classroom template) holds only what students may read:
``exercises/`` (statements, starters, public tests), the grading workflow and a README. Its
workflow checks out the course repository with a token to install ``grade`` and find the hidden
suites (``GRADE_GRADERS``). :func:`make_template` builds that template; it copies nothing from
``graders/`` and refuses a destination inside the course repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import UsageError
from .exercise import all_exercises

WORKFLOW = Path(".github") / "workflows" / "grade.yml"
TEMPLATE_README = """# {title}

Your exercises are in `exercises/`: each folder has a README.md (the task), a starter and public
tests. Push your work: the workflow `Autograding Tests` grades every exercise in a sandbox and
reports your points to GitHub Classroom. Its log and its job summary say what passed, what did not,
and why; the `grade-reports` artifact holds an HTML report per exercise.
"""
TEMPLATE_GITIGNORE = "/reports/\n__pycache__/\n*.pyc\n.ipynb_checkpoints/\n"


def make_template(root: Path, out: Path, title: str = "Python back-end roadmap") -> list[Path]:
    """Write the student template of the course at ``root`` into the empty or new folder ``out``;
    return the files written (relative to ``out``)."""
    out = out.resolve()
    if out == root.resolve() or root.resolve() in out.parents:
        raise UsageError(f"{out} is inside the course repository: make the template somewhere else")
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty: the template goes into a new folder")
    workflow = root / WORKFLOW
    if not workflow.is_file():
        raise UsageError(f"{workflow} is missing: the template needs the grading workflow")
    for exercise in all_exercises(root):
        shutil.copytree(exercise.path, out / "exercises" / exercise.path.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))  # fmt: skip
    (out / WORKFLOW).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(workflow, out / WORKFLOW)
    (out / "README.md").write_text(TEMPLATE_README.format(title=title), encoding="utf-8")
    (out / ".gitignore").write_text(TEMPLATE_GITIGNORE, encoding="utf-8")
    return sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
