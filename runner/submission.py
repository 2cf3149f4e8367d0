"""Stage 2: collect a submission: only the files the exercise declares, each checked."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import SubmissionError
from .exercise import Exercise, tree_hash
from .untrusted import clean_line

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SyntaxProblem:
    """A submitted file Python cannot parse: graded as ``error`` without running anything."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class Submission:
    """The student's declared files, read once; nothing else from their folder is ever taken."""

    id: str
    path: Path
    files: dict[str, bytes]
    syntax_problem: SyntaxProblem | None = None

    @property
    def content_hash(self) -> str:
        return tree_hash(self.files)


def collect_submission(folder: Path, exercise: Exercise, student_id: str | None = None) -> Submission:
    """Read the declared files from ``folder``; raise :class:`SubmissionError` when one is unusable."""
    files: dict[str, bytes] = {}
    for name in exercise.files:
        path = folder / name
        try:
            info = path.lstat()
        except FileNotFoundError as exc:
            raise SubmissionError(f"{path} is missing: the exercise grades {', '.join(exercise.files)}") from exc
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{path} is not a regular file (links and devices are refused)")
        if info.st_size > MAX_FILE_BYTES:
            raise SubmissionError(f"{path} is {info.st_size} bytes; a submitted file may be at most {MAX_FILE_BYTES}")
        files[name] = path.read_bytes()
    return submission_from_files(files, folder, student_id or folder.name)


def submission_from_files(files: dict[str, bytes], path: Path, student_id: str) -> Submission:
    """A submission made in memory (a mutant applied from its diff, say), checked like one read
    from disk; ``path`` names where it came from in messages."""
    problem = None
    for name, data in files.items():
        if name.endswith(".ipynb"):
            check_notebook(path / name, data)
        elif name.endswith(".py"):
            problem = problem or syntax_problem(name, data)
    # An id comes from a file or folder name, which the student chose: it is untrusted text.
    return Submission(id=clean_line(student_id) or "student", path=path, files=dict(files), syntax_problem=problem)


def check_notebook(path: Path, data: bytes) -> None:
    import nbformat

    try:
        json.loads(data.decode("utf-8"))
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{path} is not UTF-8 text, so it is not a notebook") from exc
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{path} is not a valid notebook: invalid JSON at line {exc.lineno} ({exc.msg})") from exc
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SubmissionError(f"{path} is not a valid notebook: {first}") from exc


def syntax_problem(name: str, data: bytes) -> SyntaxProblem | None:
    try:
        compile(data, name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SyntaxProblem(file=name, line=exc.lineno, message=f"SyntaxError: {exc.msg} ({name}, line {exc.lineno})")
    except ValueError as exc:
        return SyntaxProblem(file=name, line=None, message=f"{name} cannot be compiled: {exc}")
    return None
