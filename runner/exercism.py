"""Exercism's test-runner interface (version 3): which task each test belongs to, and output limits.

A task is a numbered heading of the exercise's README, ``### N. `name(...)` ``; a test belongs to
task N when its test function's name starts with ``test_<name>`` (the longest such name wins). A
README that numbers no tasks gives no ``task_id``. Read from the course's files, never from the
submission.
"""

from __future__ import annotations

import re
from pathlib import Path

from .exercise import Exercise

OUTPUT_LIMIT = 500
"""Exercism shows at most this many characters of a test's output."""
TRUNCATED = "\nOutput was truncated. Please limit to 500 chars"
"""The notice the interface asks for when output is cut."""
MESSAGE_LIMIT = 65535
TASK_HEADING = re.compile(r"^#{2,4}\s+(?P<number>\d+)\.\s+`?(?P<name>[A-Za-z_][A-Za-z0-9_]*)", re.M)


def readme_tasks(readme: str) -> dict[str, int]:
    """``### 1. `word_counts(...)` `` -> ``{"word_counts": 1}``."""
    return {match["name"]: int(match["number"]) for match in TASK_HEADING.finditer(readme)}


def task_ids(exercise: Exercise) -> dict[str, int]:
    """Test id -> task number, for the tests the README's numbered tasks name."""
    readme = exercise.path / "README.md"
    tasks = readme_tasks(readme.read_text(encoding="utf-8")) if readme.is_file() else {}
    found: dict[str, int] = {}
    for spec in exercise.tests:
        function = spec.id.rsplit("::", 1)[-1]
        names = [name for name in tasks if function == f"test_{name}" or function.startswith(f"test_{name}_")]
        if names:
            found[spec.id] = tasks[max(names, key=len)]
    return found


def limited_output(text: str) -> str:
    """At most :data:`OUTPUT_LIMIT` characters, ending with the truncation notice when cut."""
    if len(text) <= OUTPUT_LIMIT:
        return text
    return text[: OUTPUT_LIMIT - len(TRUNCATED)] + TRUNCATED


def course_task_ids(start: Path, exercise_id: str) -> dict[str, int]:
    """The task ids of an exercise of the course at or above ``start``; none when no course is at
    hand (results re-rendered elsewhere) or it has no such exercise."""
    from .errors import ExerciseError
    from .exercise import exercise_path, find_root, load_exercise

    try:
        return task_ids(load_exercise(exercise_path(find_root(start), exercise_id)))
    except ExerciseError:
        return {}
