"""Shared fixtures for the 01_python_basics hidden suite.

The notebook is graded across the process boundary (exercise.toml): its functions run in the
student's process, which cannot read this suite's files or its `tmp_path`. Files the functions
must read are therefore written on the student's side, by a helper that holds no expected value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

#: Runs beside the student's code (the `student_helper` fixture). Nothing secret: a student could read it.
FILES = """
import os, tempfile

_folder = tempfile.mkdtemp(prefix="files-")


def write(name, content):
    path = os.path.join(_folder, name)
    with open(path, "wb") as out:
        out.write(content)
    return path
"""


@pytest.fixture
def write_text(student_helper: Callable[..., Any]) -> Callable[[str, str], str]:
    """Write `content` as UTF-8 bytes (newlines kept exactly) to a fresh folder the student's code
    can read; return the path as str."""
    files = student_helper(FILES, "files")

    def write(name: str, content: str) -> str:
        path = files.write(name, content.encode("utf-8"))
        assert isinstance(path, str), "the grader's helper could not write a file for your function to read"
        return path

    return write
